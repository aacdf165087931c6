"""Planning, dispatching and sending reminders. See "How reminders are sent" in the README.

Every write here is guarded so that running it twice, or in two processes at once, sends
nothing twice: planning upserts by `dedupe_key`, the dispatcher claims rows with
`SELECT ... FOR UPDATE SKIP LOCKED`, and a send claims its row with a conditional update on
(status, version).
"""

import logging
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.core.mail import send_templated_mail
from portal.notifications.models import Channel, Delivery, Kind, Notification, Preferences
from portal.notifications.timing import in_quiet_hours

logger = logging.getLogger(__name__)
Status = Notification.Status
WORKER_NAME = socket.gethostname()


@dataclass(frozen=True)
class PlannedReminder:
    """What a planner wants sent: a kind, a UTC time, a stable key and ids for the composer."""

    kind: str
    due_at: datetime
    key: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    """What a composer writes at send time. `email_text` is used only for detailed e-mails."""

    title: str
    body: str
    link: str


def preferences_for(user) -> Preferences:
    prefs, _created = Preferences.objects.get_or_create(user=user)
    return prefs


def _kind_module(kind: str):
    return import_module(settings.NOTIFICATION_KINDS[kind])


def _channels(user, prefs: Preferences, reminder: PlannedReminder) -> list[str]:
    channels = [Channel.IN_APP]
    quiet = in_quiet_hours(reminder.due_at, user.timezone, prefs.quiet_start, prefs.quiet_end)
    if prefs.email_enabled and not quiet:
        channels.append(Channel.EMAIL)
    return channels


def planned_for(*, user, now: datetime) -> list[PlannedReminder]:
    """Everything the planners want sent to `user` from now to the planning horizon."""
    prefs = preferences_for(user)
    until = now + timedelta(hours=settings.NOTIFICATION_HORIZON_HOURS)
    wanted = []
    for kind in settings.NOTIFICATION_KINDS:
        module = _kind_module(kind)
        if not hasattr(module, "plan") or not prefs.kind_enabled(kind):
            continue
        for reminder in module.plan(user=user, prefs=prefs, now=now, until=until):
            if now < reminder.due_at <= until:
                wanted.append(reminder)
    return wanted


@transaction.atomic
def reminders_replan(*, user, now: datetime | None = None) -> int:
    """Bring the user's future reminders in line with their plan and preferences.

    Rows no longer wanted are cancelled; moved rows are updated in place with a new version
    (a send already queued for the old version then does nothing). Returns how many future
    rows are pending afterwards.
    """
    now = now or timezone.now()
    prefs = preferences_for(user)
    wanted = {}
    for reminder in planned_for(user=user, now=now):
        for channel in _channels(user, prefs, reminder):
            wanted[f"{reminder.key}:{channel}"] = (reminder, channel)

    future = Notification.objects.select_for_update().filter(
        recipient=user, status=Status.PENDING, due_at__gt=now
    )
    for row in future:
        if row.dedupe_key not in wanted and row.kind != Kind.SAFETY:
            row.status, row.version = Status.CANCELLED, row.version + 1
            row.save(update_fields=["status", "version"])

    existing = {
        row.dedupe_key: row
        for row in Notification.objects.select_for_update().filter(dedupe_key__in=wanted)
    }
    for key, (reminder, channel) in wanted.items():
        row = existing.get(key)
        if row is None:
            Notification.objects.create(
                recipient=user,
                kind=reminder.kind,
                channel=channel,
                due_at=reminder.due_at,
                dedupe_key=key,
                context=reminder.context,
            )
        elif row.status in (Status.PENDING, Status.CANCELLED) and (
            row.status == Status.CANCELLED
            or row.due_at != reminder.due_at
            or row.context != reminder.context
        ):
            row.status, row.due_at, row.context = Status.PENDING, reminder.due_at, reminder.context
            row.version += 1
            row.save(update_fields=["status", "due_at", "context", "version"])
    return Notification.objects.filter(
        recipient=user, status=Status.PENDING, due_at__gt=now
    ).count()


def notify_now(*, recipient, kind: str, key: str, context: dict, now=None) -> list[Notification]:
    """Plan a one-off notice due at once (e.g. a safety notice), on the person's channels."""
    now = now or timezone.now()
    prefs = preferences_for(recipient)
    reminder = PlannedReminder(kind=kind, due_at=now, key=key, context=context)
    rows = []
    for channel in _channels(recipient, prefs, reminder):
        row, _created = Notification.objects.get_or_create(
            dedupe_key=f"{key}:{channel}",
            defaults={
                "recipient": recipient,
                "kind": kind,
                "channel": channel,
                "due_at": now,
                "context": context,
            },
        )
        rows.append(row)
    return rows


def dispatch_due(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Claim due rows and enqueue one send each, after commit. Returns how many were claimed.

    `SKIP LOCKED` lets two dispatchers (a second beat, or the command during an outage) run
    at once: each claims different rows. On SQLite the IMMEDIATE transaction serialises them.
    """
    from portal.notifications.tasks import send_notification

    now = now or timezone.now()
    batch_size = batch_size or settings.NOTIFICATION_DISPATCH_BATCH
    claimed = 0
    while True:
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(status=Status.PENDING, due_at__lte=now)
                .order_by("due_at")
                .values_list("pk", "version")[:batch_size]
            )
            if not rows:
                return claimed
            Notification.objects.filter(pk__in=[pk for pk, _v in rows]).update(
                status=Status.QUEUED, claimed_at=now
            )
            for pk, version in rows:
                send_notification.delay_on_commit(pk, version)
        claimed += len(rows)
        if len(rows) < batch_size:
            return claimed


def _compose(notification: Notification) -> Message | None:
    return _kind_module(notification.kind).compose(notification)


def notification_send(*, notification_id: int, version: int, now=None) -> bool:
    """Deliver one queued row exactly once. Returns False when there is nothing to do.

    In-app delivery is the conditional update itself. E-mail claims the row first (queued →
    sending), sends, then marks it sent; a crash between the SMTP server accepting the mail
    and the commit is the one window in which a retry could send an e-mail twice.
    """
    now = now or timezone.now()
    notification = (
        Notification.objects.select_related("recipient")
        .filter(pk=notification_id, version=version, status=Status.QUEUED)
        .first()
    )
    if notification is None:
        return False
    message = _compose(notification)
    if message is None:
        Notification.objects.filter(
            pk=notification_id, version=version, status=Status.QUEUED
        ).update(status=Status.SKIPPED, sent_at=now)
        return False
    if notification.channel == Channel.IN_APP:
        return _deliver(notification, message, now, from_status=Status.QUEUED)
    claimed = Notification.objects.filter(
        pk=notification_id, version=version, status=Status.QUEUED
    ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return False
    try:
        _send_email(notification, message)
    except Exception:
        # Back to the queue for the task's retry; the sweeper would also return it.
        Notification.objects.filter(pk=notification_id, status=Status.SENDING).update(
            status=Status.QUEUED
        )
        raise
    return _deliver(notification, message, now, from_status=Status.SENDING)


@transaction.atomic
def _deliver(notification, message: Message, now, *, from_status) -> bool:
    done = Notification.objects.filter(
        pk=notification.pk, version=notification.version, status=from_status
    ).update(
        status=Status.SENT,
        sent_at=now,
        title=message.title[:200],
        body=message.body,
        link=message.link[:300],
    )
    if done:
        Delivery.objects.create(
            notification_id=notification.pk, delivered_at=now, worker=WORKER_NAME
        )
        logger.info("notification %s delivered (%s)", notification.pk, notification.channel)
    return bool(done)


def _send_email(notification: Notification, message: Message) -> None:
    prefs = preferences_for(notification.recipient)
    detailed = prefs.detailed_email and notification.recipient.is_patient
    context = {
        "link": settings.SITE_URL + (message.link or "/notifications/"),
        "detailed": detailed,
        "title": message.title,
        "body": message.body,
    }
    # The header carries the row id only, so a receiving server can tell sends apart.
    send_templated_mail(
        "emails/reminder",
        context,
        [notification.recipient.email],
        headers={"X-LDN-Notification": str(notification.pk)},
    )


def notification_mark_failed(*, notification_id: int) -> None:
    Notification.objects.filter(
        pk=notification_id, status__in=[Status.QUEUED, Status.SENDING]
    ).update(status=Status.FAILED)


def sweep_stuck(*, now=None, stuck_after: timedelta | None = None) -> int:
    """Return rows stuck in queued or sending (a lost message, a killed worker) to pending.

    The version is bumped, so if the lost message turns up later it does nothing.
    """
    now = now or timezone.now()
    stuck_after = stuck_after or timedelta(seconds=settings.NOTIFICATION_STUCK_AFTER_SECONDS)
    return Notification.objects.filter(
        status__in=[Status.QUEUED, Status.SENDING], claimed_at__lt=now - stuck_after
    ).update(status=Status.PENDING, version=F("version") + 1, claimed_at=None)


def send_due_inline(*, now=None) -> int:
    """Deliver due reminders in this process, without the broker (for when Redis is down)."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(status=Status.PENDING, due_at__lte=now)
                .order_by("due_at")
                .values_list("pk", "version")[: settings.NOTIFICATION_DISPATCH_BATCH]
            )
            Notification.objects.filter(pk__in=[pk for pk, _v in rows]).update(
                status=Status.QUEUED, claimed_at=now
            )
        if not rows:
            return sent
        for pk, version in rows:
            try:
                sent += notification_send(notification_id=pk, version=version, now=now)
            except Exception:
                logger.exception("notification %s could not be sent; it will be retried", pk)


def oldest_due_lag(*, now=None) -> float | None:
    """Seconds since the oldest due, unsent reminder fell due (None when nothing is waiting)."""
    now = now or timezone.now()
    oldest = (
        Notification.objects.filter(status=Status.PENDING, due_at__lte=now)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    return None if oldest is None else (now - oldest).total_seconds()


@transaction.atomic
def notification_mark_read(*, notification: Notification, now=None) -> Notification:
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user, now=None) -> int:
    return Notification.objects.filter(
        recipient=user, channel=Channel.IN_APP, status=Status.SENT, read_at__isnull=True
    ).update(read_at=now or timezone.now())
