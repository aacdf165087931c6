from celery import shared_task

from regimens.services.schedule import regimens_apply_automatic_steps


@shared_task(name="regimens.tasks.apply_automatic_steps")
def apply_automatic_steps():
    """Hourly (CELERY_BEAT_SCHEDULE): step-ups due today on protocols without approval."""
    regimens_apply_automatic_steps()
