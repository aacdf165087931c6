"""Thin tasks: ids in, one service call each. Retries belong here; idempotence to the services.

Two retry policies. A database or broker connection error (a restart, a failover) is retried
soon and for a while: 2, 4, 8, 16 s, then up to 30 s apart (full jitter), 20 times, about
five minutes in all, so that reminders go out within half a minute of the service coming
back. The row is still queued at its version, and every send claims its row conditionally,
so a retry can never send twice. An SMTP failure keeps the slower policy of a mail server
(30 s doubling to 10 minutes, 5 times), after which the row is marked failed. When retries
run out on a connection error the row stays queued and the sweeper returns it.

Task arguments are ids and versions only; Celery's log lines name the task, its id and how
long it took.
"""

from celery import current_app, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.contrib.auth import get_user_model
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from portal.notifications import services
from portal.notifications.broker import broker_started_at

CONNECTION_ERRORS = (
    DatabaseOperationalError,
    InterfaceError,
    BrokerOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
)
CONNECTION_RETRIES = 20
CONNECTION_BACKOFF = (2, 30)  # seconds: the first delay, doubling up to the largest
SMTP_RETRIES = 5
SMTP_BACKOFF = (30, 600)


def _countdown(task, backoff: tuple[int, int]) -> int:
    first, largest = backoff
    return get_exponential_backoff_interval(
        factor=first, retries=task.request.retries, maximum=largest, full_jitter=True
    )


def _retry_after_outage(task, exc, **options):
    return task.retry(
        exc=exc,
        countdown=_countdown(task, CONNECTION_BACKOFF),
        max_retries=CONNECTION_RETRIES,
        **options,
    )


@shared_task(name="notifications.send", bind=True, max_retries=SMTP_RETRIES)
def send_notification(self, notification_id: int, version: int, email_accepted: bool = False):
    try:
        services.notification_send(
            notification_id=notification_id, version=version, email_accepted=email_accepted
        )
    except services.EmailNotRecorded as exc:
        raise _retry_after_outage(self, exc, kwargs={"email_accepted": True}) from exc
    except CONNECTION_ERRORS as exc:
        raise _retry_after_outage(self, exc) from exc
    except OSError as exc:  # the SMTP server refused the e-mail or could not be reached
        if self.request.retries >= SMTP_RETRIES:
            services.notification_mark_failed(notification_id=notification_id)
            raise
        raise self.retry(exc=exc, countdown=_countdown(self, SMTP_BACKOFF)) from exc


@shared_task(name="notifications.send_many", bind=True, max_retries=CONNECTION_RETRIES)
def send_notifications(self, pairs: list[list[int]]):
    """A chunk of in-app rows, as [id, version] pairs, sent in one transaction: after a
    connection error the whole chunk runs again (rows sent before it are passed over). Any
    other failure leaves the chunk queued for the sweeper."""
    try:
        services.notifications_send(pairs=[(pk, version) for pk, version in pairs])
    except CONNECTION_ERRORS as exc:
        raise _retry_after_outage(self, exc) from exc


@shared_task(name="notifications.dispatch_due")
def dispatch_due_notifications():
    return services.dispatch_due()


@shared_task(name="notifications.sweep_stuck")
def sweep_stuck_notifications():
    """Return stuck rows to pending and dispatch them at once, rather than at the next
    minute's dispatch. Rows queued before the broker last started are returned at once: see
    services.sweep_stuck."""
    now = timezone.now()
    returned = services.sweep_stuck(now=now, lost_before=broker_started_at(current_app, now=now))
    if returned:
        services.dispatch_due()
    return returned


@shared_task(name="notifications.plan_upcoming")
def plan_upcoming_notifications():
    """Top up every active user's reminders to the planning horizon."""
    users = get_user_model().objects.filter(is_active=True).only("pk", "timezone", "role")
    for user in users.iterator(chunk_size=500):
        services.reminders_replan(user=user)
