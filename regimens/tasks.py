from celery import shared_task

from regimens.services.schedule import (
    regimens_apply_automatic_steps,
    regimens_apply_planned_pauses,
)
from regimens.services.status import statuses_refresh_due


@shared_task(name="regimens.tasks.apply_automatic_steps")
def apply_automatic_steps():
    """Hourly (CELERY_BEAT_SCHEDULE): step-ups due today on protocols without approval."""
    regimens_apply_automatic_steps()


@shared_task(name="regimens.tasks.refresh_statuses")
def refresh_statuses():
    """Every 15 minutes (CELERY_BEAT_SCHEDULE): refresh the patients' statuses whose next
    change (a step due, a washout over, a planned pause beginning) has come, and start the
    approved pauses that begin today."""
    regimens_apply_planned_pauses()
    return statuses_refresh_due()
