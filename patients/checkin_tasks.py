"""Check-in tasks (listed in CELERY_IMPORTS): thin, ids and nothing else in and out."""

from celery import shared_task

from patients.checkin_services import checkins_flag_overdue


@shared_task(name="patients.checkins.flag_overdue")
def flag_overdue_checkins():
    """Every 15 minutes (CELERY_BEAT_SCHEDULE): flag check-ins 24 hours past, not completed."""
    return checkins_flag_overdue()
