from celery import shared_task

from portal.core.services import heartbeat_record


@shared_task(name="portal.core.tasks.heartbeat")
def heartbeat():
    heartbeat_record(name="worker")
