"""What brings reminders back after an outage, one piece at a time: the sweeper's rules, the
record of an e-mail the SMTP server took while the database was away, the broker's start time
and the lag /healthz reports. tests/notifications/test_outages_real.py restarts the servers."""

import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.utils import timezone

from patients.services.profile import care_team_add
from portal.notifications import services
from portal.notifications.broker import broker_started_at
from portal.notifications.models import Delivery, Notification
from tests.notifications.factories import due_safety_notices, safety_flags
from tests.servers import Redis

Status = Notification.Status


@pytest.fixture
def team(patient_user, provider):
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    return patient_user.patient, provider


def _notices(team, count, **kwargs):
    patient, provider = team
    return due_safety_notices(provider=provider, flags=safety_flags(patient, count), **kwargs)


def _set(row, **fields):
    Notification.objects.filter(pk=row.pk).update(**fields)


def test_it_returns_at_once_what_was_queued_before_the_broker_restarted(team):
    now = timezone.now()
    lost, after_restart, sending = _notices(team, 3)
    _set(lost, status=Status.QUEUED, claimed_at=now - timedelta(seconds=40))
    _set(after_restart, status=Status.QUEUED, claimed_at=now - timedelta(seconds=10))
    _set(sending, status=Status.SENDING, claimed_at=now - timedelta(seconds=40))

    returned = services.sweep_stuck(now=now, lost_before=now - timedelta(seconds=20))

    assert returned == 1
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses == {
        lost.pk: Status.PENDING,
        after_restart.pk: Status.QUEUED,
        # An e-mail a live worker may be sending waits for the stuck threshold.
        sending.pk: Status.SENDING,
    }
    assert Notification.objects.get(pk=lost.pk).version == 2


def test_it_returns_anything_in_flight_past_the_threshold(team, settings):
    now = timezone.now()
    queued, sending, recent = _notices(team, 3)
    past = now - timedelta(seconds=settings.NOTIFICATION_STUCK_AFTER_SECONDS + 1)
    _set(queued, status=Status.QUEUED, claimed_at=past)
    _set(sending, status=Status.SENDING, claimed_at=past)
    _set(recent, status=Status.QUEUED, claimed_at=now - timedelta(seconds=5))

    assert services.sweep_stuck(now=now) == 2
    assert Notification.objects.get(pk=recent.pk).status == Status.QUEUED


def test_the_stuck_threshold_outlasts_any_task(settings):
    assert settings.NOTIFICATION_STUCK_AFTER_SECONDS > settings.CELERY_TASK_TIME_LIMIT


def test_a_retry_after_the_smtp_server_took_the_email_records_it_without_sending(team, mailoutbox):
    [row] = _notices(team, 1, channel="email")
    _set(row, status=Status.SENDING, claimed_at=timezone.now(), attempts=1)

    first = services.notification_send(notification_id=row.pk, version=1, email_accepted=True)
    again = services.notification_send(notification_id=row.pk, version=1, email_accepted=True)

    assert (first, again) == (True, False)
    assert mailoutbox == []
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert Delivery.objects.filter(notification=row).count() == 1


def test_a_recorded_email_of_an_older_version_is_left_alone(team, mailoutbox):
    [row] = _notices(team, 1, channel="email")
    _set(row, status=Status.SENDING, version=2)

    assert not services.notification_send(notification_id=row.pk, version=1, email_accepted=True)
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("status", [Status.PENDING, Status.QUEUED, Status.SENDING])
def test_the_lag_counts_a_due_reminder_in_any_state_before_delivery(team, status):
    now = timezone.now()
    oldest, newer = _notices(team, 2, due_at=now - timedelta(seconds=300))
    _set(newer, due_at=now - timedelta(seconds=30))
    _set(oldest, status=status, claimed_at=None if status == Status.PENDING else now)

    assert services.oldest_due_lag(now=now) == pytest.approx(300)


@pytest.mark.parametrize("status", [Status.SENT, Status.FAILED, Status.CANCELLED])
def test_the_lag_leaves_out_what_is_finished(team, status):
    now = timezone.now()
    [row] = _notices(team, 1, due_at=now - timedelta(seconds=300))
    _set(row, status=status, sent_at=now)

    assert services.oldest_due_lag(now=now) is None


def test_it_learns_when_a_redis_broker_last_started():
    redis = Redis(Path(tempfile.mkdtemp(prefix="ldn-redis-")))
    app = Celery(broker=redis.url)
    redis.start()
    try:
        time.sleep(2)
        first = broker_started_at(app, now=timezone.now())
        redis.stop()
        redis.start()
        second = broker_started_at(app, now=timezone.now())
    finally:
        redis.stop()
        app.close()
        shutil.rmtree(redis.root, ignore_errors=True)

    assert timezone.now() - first >= timedelta(seconds=2)
    assert second > first
    assert timezone.now() - second < timedelta(seconds=2)


def test_a_broker_that_keeps_its_messages_gives_no_start_time():
    app = Celery(broker="filesystem://", broker_transport_options={"data_folder_in": "/tmp"})

    assert broker_started_at(app, now=timezone.now()) is None
