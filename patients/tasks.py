"""The patient record's tasks (beat runs them; CELERY_BEAT_SCHEDULE): thin, nothing but ids
and counts in and out."""

from celery import shared_task

from patients.services.checkins import checkins_flag_overdue
from patients.services.flags import flags_evaluate_all


@shared_task(name="patients.checkins.flag_overdue")
def flag_overdue_checkins():
    """Every 15 minutes: flag check-ins 24 hours past, not completed."""
    return checkins_flag_overdue()


@shared_task(name="patients.diary.evaluate_flags")
def evaluate_flags():
    """Hourly: silent diaries and missed doses, which no diary save raises, for every patient
    on their own local date. Idempotent: one open flag per cause."""
    return flags_evaluate_all()
