"""Thin tasks: ids in, one service call each. Retries belong here; idempotence to the services."""

from celery import shared_task
from django.contrib.auth import get_user_model

from portal.notifications import services


@shared_task(
    name="notifications.send",
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def send_notification(self, notification_id: int, version: int):
    try:
        services.notification_send(notification_id=notification_id, version=version)
    except OSError:
        if self.request.retries >= self.max_retries:
            services.notification_mark_failed(notification_id=notification_id)
        raise


@shared_task(name="notifications.send_many")
def send_notifications(pairs: list[list[int]]):
    """A chunk of in-app rows, as [id, version] pairs. A failure leaves the rest queued for
    the sweeper (rows sent before it stay sent; nothing is sent twice)."""
    services.notifications_send(pairs=[(pk, version) for pk, version in pairs])


@shared_task(name="notifications.dispatch_due")
def dispatch_due_notifications():
    return services.dispatch_due()


@shared_task(name="notifications.sweep_stuck")
def sweep_stuck_notifications():
    return services.sweep_stuck()


@shared_task(name="notifications.plan_upcoming")
def plan_upcoming_notifications():
    """Top up every active user's reminders to the planning horizon."""
    users = get_user_model().objects.filter(is_active=True).only("pk", "timezone", "role")
    for user in users.iterator(chunk_size=500):
        services.reminders_replan(user=user)
