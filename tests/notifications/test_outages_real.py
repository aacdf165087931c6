"""Reminders survive a real restart of PostgreSQL or Redis in the middle of a dispatch, with
nothing lost and nothing sent twice, and all go out within two minutes of the server coming
back. Real parts throughout: a server of the test's own restarted for real, a Celery worker
and Celery beat with the portal's schedule, and an SMTP server.

- PostgreSQL (with a Redis broker of the test's own): send tasks that meet the outage retry
  within 30 s of each other (tasks.py), so they deliver soon after the database is back.
- Redis without persistence loses every queued message: the sweeper (every 30 s) returns the
  rows queued before Redis started again and dispatches them at once.

Each test prints what it measured: the outage and the time from the server's return to the
last delivery.
"""

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.notifications.outages import seed
from tests.servers import Postgres, Redis
from tests.worker import ROOT, celery_beat, celery_worker
from tests.worker import test_database_url as database_of_the_tests

pytestmark = pytest.mark.worker

COUNT = 2000
OUTAGE_SECONDS = 10
RECOVERY_LIMIT_SECONDS = 120


def _settings_env(**extra) -> dict:
    return {"DJANGO_SETTINGS_MODULE": "portal.settings.test", **extra}


def _child(args: list[str], env: dict, timeout: float = 300) -> str:
    result = subprocess.run(
        args,
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _publish_dispatch(env: dict) -> None:
    """Ask a worker to dispatch the due reminders now, as beat does every minute."""
    _child(
        [sys.executable, "-m", "celery", "-A", "portal", "call", "notifications.dispatch_due"], env
    )


def _delivered(cursor) -> int:
    cursor.execute("SELECT COUNT(*) FROM notifications_delivery")
    return cursor.fetchone()[0]


def _outcome(cursor) -> dict:
    cursor.execute("SELECT notification_id, COUNT(*) FROM notifications_delivery GROUP BY 1")
    deliveries = dict(cursor.fetchall())
    cursor.execute("SELECT status, COUNT(*) FROM notifications_notification GROUP BY 1")
    statuses = dict(cursor.fetchall())
    cursor.execute("SELECT id FROM notifications_notification WHERE channel = 'email'")
    emails = {pk for (pk,) in cursor.fetchall()}
    cursor.execute("SELECT id FROM notifications_notification")
    reminders = {pk for (pk,) in cursor.fetchall()}
    cursor.execute("SELECT COUNT(*) FROM notifications_notification WHERE version > 1")
    returned = cursor.fetchone()[0]
    return {
        "deliveries": deliveries,
        "statuses": statuses,
        "emails": emails,
        "reminders": reminders,
        "returned_by_sweeper": returned,
    }


def _wait(read, condition, *, timeout: float, message: str):
    """Poll `read()` until `condition(value)`; a read that fails (the server is down) is
    tried again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition(read()):
                return time.monotonic()
        except (psycopg.OperationalError, psycopg.InterfaceError):
            pass
        time.sleep(0.05)
    raise AssertionError(message)


def _mail_ids(smtp_server) -> Counter:
    return Counter(
        int(envelope.original_content.split(b"X-LDN-Notification: ")[1].split(b"\r")[0])
        for envelope in smtp_server.messages
    )


def _assert_each_delivered_once(outcome, smtp_server):
    lost = outcome["reminders"] - set(outcome["deliveries"])
    repeated = {pk: n for pk, n in outcome["deliveries"].items() if n > 1}
    assert not lost, f"{len(lost)} reminders were never delivered"
    assert not repeated, f"{len(repeated)} reminders were delivered more than once"
    assert outcome["statuses"] == {"sent": COUNT}
    mails = _mail_ids(smtp_server)
    assert set(mails) == outcome["emails"]
    assert set(mails.values()) == {1}, "an e-mail went out twice"


def _report(capsys, what: str, outage: float, recovery: float, outcome) -> None:
    with capsys.disabled():
        print(
            f"\n{what}: {COUNT} reminders ({len(outcome['emails'])} by e-mail), 0 lost, "
            f"0 duplicates; server down {outage:.1f} s; last delivery {recovery:.1f} s after "
            f"it was back; {outcome['returned_by_sweeper']} returned by the sweeper"
        )


@pytest.fixture
def postgres():
    server = Postgres(Path(tempfile.mkdtemp(prefix="ldn-pg-")))
    server.start()
    server.createdb()
    yield server
    with contextlib.suppress(subprocess.CalledProcessError):
        server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def redis():
    server = Redis(Path(tempfile.mkdtemp(prefix="ldn-redis-")))
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


def test_reminders_go_out_after_a_postgresql_restart_mid_dispatch(
    postgres, redis, smtp_server, tmp_path, capsys
):
    # PostgreSQL runs with a Redis broker, as in production (the filesystem broker of the
    # embedded default goes with SQLite).
    env = _settings_env(DATABASE_URL=postgres.url, REDIS_URL=redis.url)
    _child([sys.executable, "manage.py", "migrate", "--no-input"], env)
    _child([sys.executable, "manage.py", "createcachetable"], env)
    seed_code = "import django; django.setup(); from tests.notifications.outages import seed; "
    _child([sys.executable, "-c", seed_code + f"seed({COUNT})"], env)
    database = psycopg.connect(postgres.url)
    database.autocommit = True
    worker_log = tmp_path / "worker.log"

    def read_delivered():
        nonlocal database
        if database.closed:
            database = psycopg.connect(postgres.url)
            database.autocommit = True
        try:
            return _delivered(database.cursor())
        except psycopg.OperationalError:
            database.close()
            raise

    with (
        celery_worker(concurrency=2, env={**env, **smtp_server.env}, log_path=worker_log),
        celery_beat(schedule_dir=tmp_path, env=env),
    ):
        _publish_dispatch(env)
        _wait(read_delivered, lambda n: n >= 100, timeout=120, message="nothing was delivered")
        down = time.monotonic()
        postgres.stop()
        time.sleep(OUTAGE_SECONDS)
        postgres.start()
        back = time.monotonic()
        done = _wait(
            read_delivered,
            lambda n: n >= COUNT,
            timeout=240,
            message="reminders were not all delivered within 4 minutes of the restart",
        )
        time.sleep(2)  # a duplicate, if any, would land now

    outcome = _outcome(psycopg.connect(postgres.url).cursor())
    _report(capsys, "PostgreSQL restart", back - down, done - back, outcome)
    _assert_each_delivered_once(outcome, smtp_server)
    assert done - back < RECOVERY_LIMIT_SECONDS
    retried = set(re.findall(r"Task (\S+)\[[^\]]+\] retry: ", worker_log.read_text()))
    assert retried >= {"notifications.send", "notifications.send_many"}


@pytest.mark.django_db(transaction=True)
def test_reminders_go_out_after_a_redis_restart_mid_dispatch(redis, smtp_server, tmp_path, capsys):
    env = _settings_env(DATABASE_URL=database_of_the_tests(), REDIS_URL=redis.url)
    seed(COUNT)

    def read_delivered():
        with connection.cursor() as cursor:
            return _delivered(cursor)

    with (
        celery_worker(concurrency=2, env={**env, **smtp_server.env}),
        celery_beat(schedule_dir=tmp_path, env=env),
    ):
        _publish_dispatch(env)
        _wait(read_delivered, lambda n: n >= 100, timeout=120, message="nothing was delivered")
        down = time.monotonic()
        redis.stop()
        time.sleep(OUTAGE_SECONDS)
        redis.start()
        back = time.monotonic()
        done = _wait(
            read_delivered,
            lambda n: n >= COUNT,
            timeout=240,
            message="reminders were not all delivered within 4 minutes of the restart",
        )
        time.sleep(2)

    with connection.cursor() as cursor:
        outcome = _outcome(cursor)
    _report(capsys, "Redis restart", back - down, done - back, outcome)
    _assert_each_delivered_once(outcome, smtp_server)
    assert done - back < RECOVERY_LIMIT_SECONDS
    assert outcome["returned_by_sweeper"] > 0, "Redis lost nothing: the test proved nothing"
