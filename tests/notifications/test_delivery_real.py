"""Delivery against the real parts: the configured database and broker, a Celery worker
process, and an SMTP server, with no mocks.

In CI these run on PostgreSQL and Redis; `make test` runs them on SQLite and the
filesystem broker.
"""

import os
import signal
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

from patients.services.profile import care_team_add
from portal.notifications import services
from portal.notifications.models import Delivery, Notification
from tests.factories import PatientUserFactory, ProviderFactory
from tests.notifications.factories import due_safety_notices, safety_flags
from tests.worker import celery_worker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = Notification.Status
# 1,000 reminders on Redis; the filesystem broker of `make test` polls a folder and is
# slower, so the embedded run pushes a fifth as many through the same code.
COUNT = 1000 if settings.REDIS_URL else 200


@pytest.fixture
def team():
    patient = PatientUserFactory().patient
    provider = ProviderFactory()
    care_team_add(patient=patient, provider=provider, added_by=provider)
    return patient, provider


def _all_sent(count):
    return lambda: Notification.objects.filter(status=Status.SENT).count() == count


def _notification_header(envelope) -> int:
    return int(envelope.original_content.split(b"X-LDN-Notification: ")[1].split(b"\r")[0])


def _delivery_counts():
    return Counter(
        dict(
            Delivery.objects.values_list("notification_id")
            .annotate(n=Count("id"))
            .values_list("notification_id", "n")
        )
    )


def test_it_delivers_every_due_reminder_exactly_once(team, smtp_server):
    patient, provider = team
    flags = safety_flags(patient, COUNT // 2)
    in_app = due_safety_notices(provider=provider, flags=flags)
    emails = due_safety_notices(provider=provider, flags=flags, channel="email")

    with celery_worker(concurrency=2, env=smtp_server.env):
        assert services.dispatch_due() == COUNT
        wait_until(_all_sent(COUNT), timeout=240, message="not every reminder was sent")

    counts = _delivery_counts()
    assert set(counts) == {row.pk for row in in_app + emails}
    assert set(counts.values()) == {1}
    ids = Counter(_notification_header(message) for message in smtp_server.messages)
    assert set(ids) == {row.pk for row in emails}
    assert set(ids.values()) == {1}
    body = smtp_server.messages[0].content.decode()
    assert patient.user.name not in body
    assert "You have a reminder in the LDN Portal" in body


def test_it_loses_nothing_and_repeats_nothing_when_a_worker_is_killed(team, settings):
    # Chunks of 50, so that the worker is killed with some of them sent and others not (at
    # the default of 500 the whole lot is one chunk).
    settings.NOTIFICATION_SEND_CHUNK = 50
    patient, provider = team
    rows = due_safety_notices(provider=provider, flags=safety_flags(patient, COUNT))

    with celery_worker(concurrency=2) as worker:
        services.dispatch_due()
        wait_until(
            lambda: Delivery.objects.count() >= COUNT // 10, timeout=120, message="no progress"
        )
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    delivered_before_kill = Delivery.objects.count()
    assert delivered_before_kill < COUNT, "the worker finished before it could be killed"

    with celery_worker(concurrency=2):
        # The new worker drains the queue; the sweeper returns what the dead worker held
        # (claimed over 20 s ago and still unsent) and the dispatcher sends it again, as
        # beat would every few minutes.
        # A liveness bound, not a speed goal: generous for a loaded machine.
        deadline = time.monotonic() + 480
        while Notification.objects.exclude(status=Status.SENT).exists():
            assert time.monotonic() < deadline, "reminders were lost"
            services.sweep_stuck(stuck_after=timedelta(seconds=20))
            services.dispatch_due()
            time.sleep(2)

    counts = _delivery_counts()
    assert set(counts) == {row.pk for row in rows}
    assert set(counts.values()) == {1}


def test_two_dispatchers_running_together_send_no_duplicate(team):
    patient, provider = team
    rows = due_safety_notices(provider=provider, flags=safety_flags(patient, COUNT))
    claimed = []

    def dispatcher():
        try:
            claimed.append(services.dispatch_due(batch_size=25))
        finally:
            connection.close()

    with celery_worker(concurrency=2):
        threads = [threading.Thread(target=dispatcher) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wait_until(_all_sent(COUNT), timeout=240, message="not every reminder was sent")

    assert sum(claimed) == COUNT
    if connection.vendor == "postgresql":
        # SKIP LOCKED lets both work at once; SQLite runs one writer at a time instead.
        assert all(n > 0 for n in claimed), f"one dispatcher claimed nothing: {claimed}"
    counts = _delivery_counts()
    assert set(counts) == {row.pk for row in rows}
    assert set(counts.values()) == {1}
