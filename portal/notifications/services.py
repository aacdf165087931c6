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
from functools import partial

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Min, Q, prefetch_related_objects
from django.utils import timezone, translation

from portal.lib.mail import send_templated_mail
from portal.lib.timing import in_quiet_hours
from portal.notifications.models import Channel, Delivery, Kind, Notification, Preferences
from portal.notifications.registry import kind_handler, registered_kinds

logger = logging.getLogger(__name__)
Status = Notification.Status
WORKER_NAME = socket.gethostname()
SEND_FIELDS = ("id", "recipient_id", "kind", "channel", "due_at", "status", "version", "context")
# The database went away (a restart, a failover, a network cut): the same work succeeds later.
DATABASE_CONNECTION_ERRORS = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class PlannedReminder:
    """What a planner wants sent: a kind, a UTC time, a stable key and ids for the composer."""

    kind: str
    due_at: datetime
    key: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    """What a composer writes at send time; an e-mail carries it only when detailed."""

    title: str
    body: str
    link: str


def preferences_for(user) -> Preferences:
    prefs, _created = Preferences.objects.get_or_create(user=user)
    return prefs


def _kind_module(kind: str):
    return kind_handler(kind)


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
    for kind in registered_kinds():
        module = _kind_module(kind)
        if not hasattr(module, "plan") or not prefs.kind_enabled(kind):
            continue
        for reminder in module.plan(user=user, prefs=prefs, now=now, until=until):
            if now < reminder.due_at <= until:
                wanted.append(reminder)
    return wanted


def _planned_by_a_planner(row: Notification) -> bool:
    """Safety notices and one-off notices (notify_once) are not the planners' to cancel."""
    return row.kind != Kind.SAFETY and not row.context.get("once")


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
        if row.dedupe_key not in wanted and _planned_by_a_planner(row):
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


def reminders_replan_on_commit(*users) -> None:
    """Replan these people's reminders as soon as the current transaction commits.

    Services that change what is planned (a step, a check-in, a bedtime, a time zone) call
    this, so the change reaches the outbox at once; the hourly planner is only the backstop.
    A failure is logged, not raised: the data change itself is already committed.
    """
    for pk in {user.pk for user in users}:
        transaction.on_commit(partial(_replan_user, pk), robust=True)


def _replan_user(pk: int) -> None:
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is not None:
        reminders_replan(user=user)


def notify_once(
    *, recipient, kind: str, key: str, context: dict, due_at: datetime
) -> list[Notification]:
    """Plan a one-off notice at `due_at` on the person's channels (safety notices, check-in
    notices, the demo's reminder). Planners never cancel it; a kind the person turned off is
    not planned. Idempotent by `key`."""
    prefs = preferences_for(recipient)
    if not prefs.kind_enabled(kind):
        return []
    context = {**context, "once": True}
    reminder = PlannedReminder(kind=kind, due_at=due_at, key=key, context=context)
    # One insert for every channel (a row planned before under the same key stays as it is),
    # then one read of the rows: no savepoint and lookup per channel.
    wanted = [
        Notification(
            dedupe_key=f"{key}:{channel}",
            recipient=recipient,
            kind=kind,
            channel=channel,
            due_at=due_at,
            context=context,
        )
        for channel in _channels(recipient, prefs, reminder)
    ]
    Notification.objects.bulk_create(wanted, ignore_conflicts=True)
    planned = Notification.objects.in_bulk(
        [row.dedupe_key for row in wanted], field_name="dedupe_key"
    )
    return [planned[row.dedupe_key] for row in wanted]


def notify_now(*, recipient, kind: str, key: str, context: dict, now=None) -> list[Notification]:
    """Plan a one-off notice due at once (e.g. a safety notice), on the person's channels."""
    return notify_once(
        recipient=recipient, kind=kind, key=key, context=context, due_at=now or timezone.now()
    )


def due_claim_sql(*, now: datetime, limit: int) -> tuple[str, list]:
    """The dispatcher's claim as one statement: up to `limit` due, pending rows, oldest
    first, become queued and come back as (id, version, channel).

    On PostgreSQL the inner SELECT locks the rows and skips those another dispatcher holds
    (FOR UPDATE SKIP LOCKED), so two dispatchers claim different rows; it reads the partial
    index notification_pending_due and stops after `limit` rows, so its cost does not grow
    with rows planned for later (see bench/reminders.py). SQLite has no row locks; its
    IMMEDIATE transactions run one claim at a time.
    """
    table = connection.ops.quote_name(Notification._meta.db_table)
    lock = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    adapt = connection.ops.adapt_datetimefield_value
    # Only the quoted table name and placeholders go into the text; every value is a param.
    sql = (
        f"UPDATE {table} SET status = %s, claimed_at = %s WHERE id IN ("  # noqa: S608
        f"SELECT id FROM {table} WHERE status = %s AND due_at <= %s "
        f"ORDER BY due_at LIMIT %s{lock}) RETURNING id, version, channel"
    )
    return sql, [Status.QUEUED, adapt(now), Status.PENDING, adapt(now), limit]


def _claim_due(*, now: datetime, limit: int) -> list[tuple[int, int, str]]:
    """Claim a batch (due_claim_sql), oldest first. Call it inside a transaction."""
    sql, params = due_claim_sql(now=now, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(cursor.fetchall())


def dispatch_due(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Claim due rows and enqueue their sends, after commit. Returns how many were claimed.

    Each batch of NOTIFICATION_DISPATCH_BATCH rows is claimed by one statement and committed
    before its sends are published, so the workers start on it while the next batch is
    claimed. An e-mail is one task (it talks to an SMTP server and retries on its own);
    in-app rows go in tasks of up to NOTIFICATION_SEND_CHUNK rows (notifications_send), each
    row still sent only if it is queued at its version. Ids and versions only travel through
    the broker.

    Two dispatchers (a second beat, or the command during an outage) may run at once: each
    claims different rows (see due_claim_sql).
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.NOTIFICATION_DISPATCH_BATCH
    claimed = 0
    while True:
        with transaction.atomic():
            rows = _claim_due(now=now, limit=batch_size)
            if not rows:
                return claimed
            transaction.on_commit(partial(_enqueue_sends, rows))
        claimed += len(rows)
        if len(rows) < batch_size:
            return claimed


# The send tasks (portal.notifications.tasks), published by name: the tasks call this
# module's services, so this module does not import them.
SEND_ONE, SEND_MANY = "notifications.send", "notifications.send_many"


def _enqueue_sends(rows: list[tuple[int, int, str]]) -> None:
    """Publish the sends of one claimed batch through one producer connection."""
    in_app = [[pk, version] for pk, version, channel in rows if channel == Channel.IN_APP]
    chunk = settings.NOTIFICATION_SEND_CHUNK
    app = current_app
    with app.producer_or_acquire() as producer:
        for start in range(0, len(in_app), chunk):
            app.send_task(SEND_MANY, args=(in_app[start : start + chunk],), producer=producer)
        for pk, version, channel in rows:
            if channel != Channel.IN_APP:
                app.send_task(SEND_ONE, args=(pk, version), producer=producer)


def _language_of(notification: Notification) -> str:
    """The recipient's language (User.message_language): reminders are written in it at send
    time, whoever or whatever process sends them."""
    language = getattr(notification, "recipient_language", None)
    if language is None:
        language = notification.recipient.language
    return language or settings.LANGUAGE_CODE


def _compose(notification: Notification) -> Message | None:
    with translation.override(_language_of(notification)):
        return _kind_module(notification.kind).compose(notification)


def _compose_all(rows: list[Notification]) -> list[Message | None]:
    """Messages for rows of any kinds, in order. A kind may offer `compose_many(rows)` to
    write many at once (one query for the lot); otherwise each row is composed alone."""
    by_kind: dict[tuple[str, str], list[int]] = {}
    for index, row in enumerate(rows):
        by_kind.setdefault((row.kind, _language_of(row)), []).append(index)
    messages: list[Message | None] = [None] * len(rows)
    for (kind, language), indexes in by_kind.items():
        module = _kind_module(kind)
        batch = [rows[i] for i in indexes]
        with translation.override(language):
            if hasattr(module, "compose_many"):
                written = module.compose_many(batch)
            else:
                written = [module.compose(row) for row in batch]
        for index, message in zip(indexes, written, strict=True):
            messages[index] = message
    return messages


def _queued(pairs, *, recipients: bool = True) -> dict[int, Notification]:
    """The rows among (id, version) pairs still queued at that version, by id; with their
    recipients unless `recipients` is False."""
    wanted = dict(pairs)
    rows = Notification.objects.filter(pk__in=wanted, status=Status.QUEUED)
    # Without recipients, only what a send reads (and the recipient's language, to write in
    # it): the text columns are written, not read.
    if recipients:
        rows = rows.select_related("recipient")
    else:
        rows = rows.only(*SEND_FIELDS).annotate(recipient_language=F("recipient__language"))
    return {row.pk: row for row in rows if row.version == wanted[row.pk]}


class EmailNotRecorded(Exception):
    """The SMTP server accepted a reminder's e-mail, then the database refused the record of
    it (a connection error). The send task retries with `email_accepted=True`, which records
    it without sending it again."""


def notification_send(
    *, notification_id: int, version: int, now=None, email_accepted: bool = False
) -> bool:
    """Deliver one queued row exactly once. Returns False when there is nothing to do.

    In-app delivery is the conditional update itself. E-mail claims the row first (queued →
    sending), sends, then marks it sent; a crash between the SMTP server accepting the mail
    and the commit is the one window in which a retry could send an e-mail twice. When only
    the database failed in that window, the retry comes with `email_accepted` and records the
    delivery of the row still sending at that version.
    """
    now = now or timezone.now()
    if email_accepted:
        return _record_accepted_email(notification_id, version, now)
    notification = _queued([(notification_id, version)]).get(notification_id)
    if notification is None:
        return False
    return _send(notification, now)


def _record_accepted_email(notification_id: int, version: int, now) -> bool:
    notification = (
        Notification.objects.select_related("recipient")
        .filter(pk=notification_id, version=version, status=Status.SENDING)
        .first()
    )
    if notification is None:
        return False
    message = _compose(notification) or Message(title="", body="", link="")
    return _deliver(notification, message, now, from_status=Status.SENDING)


def notifications_send(*, pairs: list[tuple[int, int]], now=None) -> int:
    """Deliver a chunk of queued in-app rows, each exactly once as in notification_send
    (rows sent already, or replanned since, are passed over), in one transaction: the rows
    are composed together, claimed by one conditional update and their deliveries written
    together, so a crash part-way sends nothing and the chunk is simply sent again. An
    e-mail row among them goes through notification_send. Returns how many were delivered.

    The rows are loaded without their recipients: a kind's compose_many loads what it needs
    for the whole chunk; the recipients of the rows composed one by one (and of e-mails) are
    loaded together afterwards."""
    now = now or timezone.now()
    queued = _queued(pairs, recipients=False)
    rows = [queued[pk] for pk, _v in pairs if pk in queued]
    prefetch_related_objects(
        [
            row
            for row in rows
            if row.channel != Channel.IN_APP or not hasattr(_kind_module(row.kind), "compose_many")
        ],
        "recipient",
    )
    emails = [row for row in rows if row.channel != Channel.IN_APP]
    sent = sum(_send(row, now) for row in emails)
    rows = [row for row in rows if row.channel == Channel.IN_APP]
    with transaction.atomic():
        messages = _compose_all(rows)
        skipped = [row for row, message in zip(rows, messages, strict=True) if message is None]
        for row in skipped:
            Notification.objects.filter(
                pk=row.pk, version=row.version, status=Status.QUEUED
            ).update(status=Status.SKIPPED, sent_at=now)
        done = _deliver_chunk(
            [(row, m) for row, m in zip(rows, messages, strict=True) if m is not None], now
        )
    if done:
        logger.info("notifications %s delivered (in_app)", ",".join(map(str, done)))
    return sent + len(done)


def _deliver_chunk(sends: list[tuple[Notification, Message]], now) -> list[int]:
    """Mark a chunk sent (each row only if still queued at the version its send was for) and
    write a Delivery row for each row marked. Returns the ids delivered, in order.

    On PostgreSQL this is one statement: the chunk's values travel as five arrays, and the
    UPDATE's RETURNING feeds the INSERT of the deliveries (a data-modifying WITH). Elsewhere
    it is the UPDATE ... FROM of _mark_chunk_sent and a bulk insert.
    """
    if not sends:
        return []
    if connection.vendor != "postgresql":
        done = _mark_chunk_sent(sends, now)
        Delivery.objects.bulk_create(
            Delivery(notification_id=pk, delivered_at=now, worker=WORKER_NAME) for pk in done
        )
        return done
    table = connection.ops.quote_name(Notification._meta.db_table)
    deliveries = connection.ops.quote_name(Delivery._meta.db_table)
    # Only quoted table names and placeholders go into the text; every value is a param.
    sql = (
        "WITH v AS (SELECT * FROM unnest(%s::bigint[], %s::integer[], %s::text[], %s::text[], "  # noqa: S608
        "%s::text[]) AS v (id, version, title, body, link)), "
        f"sent AS (UPDATE {table} AS n SET status = %s, sent_at = %s, title = v.title, "
        "body = v.body, link = v.link FROM v "
        "WHERE n.id = v.id AND n.version = v.version AND n.status = %s RETURNING n.id) "
        f"INSERT INTO {deliveries} (notification_id, delivered_at, worker) "
        "SELECT id, %s, %s FROM sent RETURNING notification_id"
    )
    params = [
        [row.pk for row, _m in sends],
        [row.version for row, _m in sends],
        [message.title[:200] for _r, message in sends],
        [message.body for _r, message in sends],
        [message.link[:300] for _r, message in sends],
        Status.SENT,
        now,
        Status.QUEUED,
        now,
        WORKER_NAME,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(pk for (pk,) in cursor.fetchall())


def _mark_chunk_sent(sends: list[tuple[Notification, Message]], now) -> list[int]:
    """_mark_sent for a whole chunk in one statement: each row becomes sent only if it is
    still queued at the version its send was for. Returns the ids it marked.

    One UPDATE ... FROM (the chunk's values) instead of one ORM update per row: the
    per-row statement was the largest cost of an in-app send (bench/reminders.py). Written
    in SQL both PostgreSQL and SQLite (3.35+) run.
    """
    if not sends:
        return []
    table = connection.ops.quote_name(Notification._meta.db_table)
    row_sql = "SELECT CAST(%s AS BIGINT) AS id, CAST(%s AS INTEGER) AS version, %s AS title, "
    row_sql += "%s AS body, %s AS link"
    params = [Status.SENT, now]
    for row, message in sends:
        params += [row.pk, row.version, message.title[:200], message.body, message.link[:300]]
    params.append(Status.QUEUED)
    values = " UNION ALL ".join([row_sql] * len(sends))
    # Only the quoted table name and placeholders go into the text; every value is a param.
    sql = (
        f"UPDATE {table} SET status = %s, sent_at = %s, title = v.title, body = v.body, "  # noqa: S608
        f"link = v.link FROM ({values}) AS v "
        f"WHERE {table}.id = v.id AND {table}.version = v.version AND {table}.status = %s "
        f"RETURNING {table}.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(pk for (pk,) in cursor.fetchall())


def _send(notification: Notification, now) -> bool:
    notification_id, version = notification.pk, notification.version
    message = _compose(notification)
    if message is None:
        Notification.objects.filter(
            pk=notification_id, version=version, status=Status.QUEUED
        ).update(status=Status.SKIPPED, sent_at=now)
        return False
    if notification.channel == Channel.IN_APP:
        return _deliver(notification, message, now, from_status=Status.QUEUED)
    # Everything the e-mail needs from the database is read before the claim: between the
    # claim and the SMTP server's answer nothing can fail for want of the database.
    detailed = _detailed_email(notification)
    claimed = Notification.objects.filter(
        pk=notification_id, version=version, status=Status.QUEUED
    ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return False
    try:
        _send_email(notification, message, detailed=detailed)
    except Exception:
        # Back to the queue for the task's retry; the sweeper would also return it.
        Notification.objects.filter(pk=notification_id, status=Status.SENDING).update(
            status=Status.QUEUED
        )
        raise
    try:
        return _deliver(notification, message, now, from_status=Status.SENDING)
    except DATABASE_CONNECTION_ERRORS as exc:
        raise EmailNotRecorded(notification_id) from exc


def _mark_sent(notification, message: Message, now, *, from_status) -> bool:
    """The conditional update that makes a send count once: only from `from_status` at the
    version the send was enqueued for."""
    return bool(
        Notification.objects.filter(
            pk=notification.pk, version=notification.version, status=from_status
        ).update(
            status=Status.SENT,
            sent_at=now,
            title=message.title[:200],
            body=message.body,
            link=message.link[:300],
        )
    )


@transaction.atomic
def _deliver(notification, message: Message, now, *, from_status) -> bool:
    done = _mark_sent(notification, message, now, from_status=from_status)
    if done:
        Delivery.objects.create(
            notification_id=notification.pk, delivered_at=now, worker=WORKER_NAME
        )
        logger.info("notification %s delivered (%s)", notification.pk, notification.channel)
    return done


def _detailed_email(notification: Notification) -> bool:
    prefs = preferences_for(notification.recipient)
    return prefs.detailed_email and notification.recipient.is_patient


def _send_email(notification: Notification, message: Message, *, detailed: bool) -> None:
    context = {
        "link": settings.SITE_URL + (message.link or "/notifications/"),
        "detailed": detailed,
        "title": message.title,
        "body": message.body,
    }
    # A kind may write its own e-mail (a new message: one sentence and the link).
    template = getattr(kind_handler(notification.kind), "EMAIL_TEMPLATE", "emails/reminder")
    # The header carries the row id only, so a receiving server can tell sends apart.
    send_templated_mail(
        template,
        context,
        [notification.recipient.email],
        headers={"X-LDN-Notification": str(notification.pk)},
        language=_language_of(notification),
    )


def notification_mark_failed(*, notification_id: int) -> None:
    Notification.objects.filter(
        pk=notification_id, status__in=[Status.QUEUED, Status.SENDING]
    ).update(status=Status.FAILED)


def sweep_stuck(
    *, now=None, stuck_after: timedelta | None = None, lost_before: datetime | None = None
) -> int:
    """Return rows stuck in queued or sending (a lost message, a killed worker) to pending.

    A row claimed more than `stuck_after` ago (NOTIFICATION_STUCK_AFTER_SECONDS) goes back;
    so does a queued row claimed before `lost_before`, the time the broker last started: a
    broker that restarted without its messages will never deliver that row's. The version is
    bumped, so if the message turns up after all it does nothing. Rows in sending (an e-mail
    a worker may be handing to the SMTP server right now) only go back after `stuck_after`,
    which is longer than a task may run.
    """
    now = now or timezone.now()
    stuck_after = stuck_after or timedelta(seconds=settings.NOTIFICATION_STUCK_AFTER_SECONDS)
    stuck = Q(status__in=[Status.QUEUED, Status.SENDING], claimed_at__lt=now - stuck_after)
    if lost_before is not None:
        stuck |= Q(status=Status.QUEUED, claimed_at__lt=lost_before)
    return Notification.objects.filter(stuck).update(
        status=Status.PENDING, version=F("version") + 1, claimed_at=None
    )


def send_due_inline(*, now=None) -> int:
    """Deliver due reminders in this process, without the broker (for when Redis is down)."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            rows = _claim_due(now=now, limit=settings.NOTIFICATION_DISPATCH_BATCH)
        if not rows:
            return sent
        for pk, version, _channel in rows:
            try:
                sent += notification_send(notification_id=pk, version=version, now=now)
            except Exception:
                logger.exception("notification %s could not be sent; it will be retried", pk)


def oldest_due_lag(*, now=None) -> float | None:
    """Seconds since the oldest due reminder not yet delivered fell due, whether it waits to
    be dispatched (pending) or to be sent (queued, sending); None when nothing is waiting.

    Two queries, each served by a partial index (notification_pending_due, and
    notification_in_flight, whose rows are few), rather than one over every status.
    """
    now = now or timezone.now()
    due = Notification.objects.filter(due_at__lte=now)
    oldest = [
        due.filter(status__in=statuses).aggregate(oldest=Min("due_at"))["oldest"]
        for statuses in ([Status.PENDING], [Status.QUEUED, Status.SENDING])
    ]
    waiting = [when for when in oldest if when is not None]
    return (now - min(waiting)).total_seconds() if waiting else None


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
