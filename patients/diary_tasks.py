"""Diary tasks (listed in CELERY_IMPORTS): thin, nothing but ids and counts in and out."""

from celery import shared_task

from patients.diary_services import flags_evaluate_all


@shared_task(name="patients.diary.evaluate_flags")
def evaluate_flags():
    """Hourly (CELERY_BEAT_SCHEDULE): silent diaries and missed doses, which no diary save
    raises, for every patient on their own local date. Idempotent: one open flag per cause."""
    return flags_evaluate_all()
