"""Benchmark of reminder delivery on PostgreSQL and Redis.

1. Delivery: COUNT due reminders (diary nudges in the portal, spread over 1,000 patients) are
   written with bulk_create; the real dispatcher (services.dispatch_due) claims them and
   enqueues one send per row through Redis; Celery worker processes (prefork) send them
   with services.notification_send. It reports the wall time from the first claim until
   every row is sent, the throughput, and checks each row was delivered exactly once.
2. The due-row query: EXPLAIN (ANALYZE, BUFFERS) of the dispatcher's SELECT ... FOR UPDATE
   SKIP LOCKED with 500 due rows beside 10,000 and then 1,000,000 rows planned for later.

Run it against a database and a Redis database of its own; it empties their notifications:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ldn_remind \\
    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/reminders.py

Options: --count, --workers, --concurrency, --prefetch, --conn-max-age, --batch,
--skip-delivery, --skip-explain. The database is created and migrated when missing.
"""

import argparse
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PATIENTS = 1000
DUE_FOR_EXPLAIN = 500


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="due reminders to deliver")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="pool size per worker")
    parser.add_argument("--prefetch", type=int, default=None, help="worker prefetch multiplier")
    parser.add_argument(
        "--conn-max-age", type=int, default=None, help="DATABASE_CONN_MAX_AGE for the workers"
    )
    parser.add_argument("--batch", type=int, default=None, help="NOTIFICATION_DISPATCH_BATCH")
    parser.add_argument("--skip-delivery", action="store_true")
    parser.add_argument("--skip-explain", action="store_true")
    return parser.parse_args()


def _require_postgres_and_redis() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database and REDIS_URL to a Redis database.")


def _create_database() -> None:
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    if args.batch:
        os.environ["NOTIFICATION_DISPATCH_BATCH"] = str(args.batch)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory_kb = next(int(line.split()[1]) for line in meminfo if "MemTotal" in line)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    import redis
    from django.conf import settings

    redis_version = redis.Redis.from_url(settings.REDIS_URL).info()["redis_version"]
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory_kb // 1024 // 1024} GB RAM, "
        f"Python {platform.python_version()}, PostgreSQL {pg}, Redis {redis_version}"
    )


def _empty_outbox() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notifications_delivery, notifications_notification RESTART IDENTITY"
        )


def _patients() -> list[int]:
    """1,000 patient accounts (created once), the recipients of the reminders."""
    from django.contrib.auth.hashers import make_password

    from patients.models import Patient
    from portal.accounts.models import Role, User

    existing = list(
        User.objects.filter(email__startswith="bench-").order_by("pk").values_list("pk", flat=True)
    )
    if len(existing) >= PATIENTS:
        return existing[:PATIENTS]
    password = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"bench-{i}@example.org", role=Role.PATIENT, password=password, name=f"B {i}")
        for i in range(len(existing), PATIENTS)
    )
    Patient.objects.bulk_create(Patient(user=user) for user in users)
    return existing + [user.pk for user in users]


def _bulk_reminders(recipients, count, *, due_from, spacing, prefix, status="pending"):
    from portal.notifications.models import Notification

    batch = []
    created = 0
    first_day = date(2026, 1, 1)
    for i in range(count):
        recipient = recipients[i % len(recipients)]
        day = first_day + timedelta(days=i // len(recipients))
        batch.append(
            Notification(
                recipient_id=recipient,
                kind="diary",
                channel="in_app",
                due_at=due_from + spacing * i,
                status=status,
                dedupe_key=f"{prefix}:{recipient}:{day.isoformat()}",
                context={"date": day.isoformat()},
            )
        )
        if len(batch) == 10_000:
            created += len(Notification.objects.bulk_create(batch))
            batch = []
    if batch:
        created += len(Notification.objects.bulk_create(batch))
    return created


def _start_workers(args) -> list[subprocess.Popen]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.base"}
    if args.prefetch:
        env["CELERY_WORKER_PREFETCH_MULTIPLIER"] = str(args.prefetch)
    if args.conn_max_age is not None:
        env["DATABASE_CONN_MAX_AGE"] = str(args.conn_max_age)
    logs = ROOT / "var"
    logs.mkdir(exist_ok=True)
    workers = []
    for i in range(args.workers):
        log = open(logs / f"bench-worker-{i}.log", "wb")  # noqa: SIM115 (closed with the process)
        command = [
            sys.executable, "-m", "celery", "-A", "portal", "worker",
            "--pool", "prefork", "--concurrency", str(args.concurrency),
            "--hostname", f"bench{i}@%h", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        workers.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        )
    from portal.celery import app

    deadline = time.monotonic() + 60
    while len(app.control.ping(timeout=1.0)) < args.workers:
        if time.monotonic() > deadline:
            sys.exit("The workers did not start; see var/bench-worker-*.log.")
    return workers


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _report_worker_cpu(workers) -> None:
    """CPU seconds of each worker's main (consumer) process and of its pool processes."""
    for worker in workers:
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
        pool = sum(_cpu_seconds(int(pid)) for pid in children)
        print(
            f"  worker {worker.pid}: consumer {_cpu_seconds(worker.pid):.0f} s, pool {pool:.0f} s"
        )


def _stop(workers) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def delivery(args) -> None:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from portal.celery import app
    from portal.notifications import services
    from portal.notifications.models import Delivery, Notification

    _empty_outbox()
    app.control.purge()
    recipients = _patients()
    now = timezone.now()
    written_at = time.monotonic()
    created = _bulk_reminders(
        recipients, args.count, due_from=now - timedelta(hours=1), spacing=timedelta(0),
        prefix="bench:due",
    )  # fmt: skip
    print(f"wrote {created:,} due reminders in {time.monotonic() - written_at:.1f} s")
    print(f"load average before: {Path('/proc/loadavg').read_text().split()[0]}")
    workers = _start_workers(args)
    print(
        f"{args.workers} worker processes x {args.concurrency} (prefork), prefetch "
        f"{args.prefetch or settings.CELERY_WORKER_PREFETCH_MULTIPLIER}, worker "
        f"DATABASE_CONN_MAX_AGE {args.conn_max_age if args.conn_max_age is not None else 'default'}"
        f", dispatch batch {settings.NOTIFICATION_DISPATCH_BATCH}"
    )
    try:
        started = time.monotonic()
        claimed = services.dispatch_due()
        enqueued = time.monotonic() - started
        print(f"dispatcher claimed and enqueued {claimed:,} in {enqueued:.1f} s")
        sent = Notification.objects.filter(status=Notification.Status.SENT)
        last, last_report = -1, started
        while (done := sent.count()) < created:
            if time.monotonic() - last_report >= 10:
                print(f"  {done:,} sent after {time.monotonic() - started:.0f} s")
                last_report = time.monotonic()
            if done == last and time.monotonic() - started > 1800:
                sys.exit("No progress for a long time: see var/bench-worker-*.log.")
            last = done
            time.sleep(1)
        elapsed = time.monotonic() - started
        _report_worker_cpu(workers)
    finally:
        _stop(workers)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT notification_id FROM notifications_delivery "
            "GROUP BY notification_id HAVING count(*) > 1) AS twice"
        )
        twice = cursor.fetchone()[0]
    deliveries = Delivery.objects.count()
    workers_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = resource.getrusage(resource.RUSAGE_SELF)
    cpu = workers_cpu.ru_utime + workers_cpu.ru_stime
    print(
        f"RESULT: {created:,} reminders sent in {elapsed:.1f} s "
        f"({created / elapsed:,.0f} per second); {deliveries:,} deliveries, "
        f"{twice} delivered more than once"
    )
    print(
        f"CPU: workers {cpu:.0f} s ({cpu / created * 1000:.2f} ms per reminder), "
        f"this process (dispatcher) {mine.ru_utime + mine.ru_stime:.0f} s; "
        f"load average at the end {Path('/proc/loadavg').read_text().split()[0]} "
        f"(other processes on the machine compete for its {os.cpu_count()} CPUs)"
    )


def _explain(label: str) -> None:
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.notifications.services import due_rows

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_notification")
        cursor.execute(
            "SELECT count(*) FILTER (WHERE due_at > now()), count(*) FROM "
            "notifications_notification WHERE status = 'pending'"
        )
        future, pending = cursor.fetchone()
    with transaction.atomic():
        query = due_rows(now=timezone.now(), limit=settings.NOTIFICATION_DISPATCH_BATCH)
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    print(f"\n--- {label}: {pending:,} pending rows, {future:,} of them due later ---")
    print(sql % tuple(repr(str(p)) for p in params))
    print("\n".join(plan))


def explain(args) -> None:
    from django.utils import timezone

    _empty_outbox()
    recipients = _patients()
    now = timezone.now()
    _bulk_reminders(
        recipients, DUE_FOR_EXPLAIN, due_from=now - timedelta(hours=2),
        spacing=timedelta(seconds=1), prefix="explain:due",
    )  # fmt: skip
    # Rows planned for the coming days, as the hourly planner leaves them.
    _bulk_reminders(
        recipients, 10_000, due_from=now + timedelta(minutes=5), spacing=timedelta(seconds=20),
        prefix="explain:later-a",
    )  # fmt: skip
    _explain("10,000 future rows")
    _bulk_reminders(
        recipients, 990_000, due_from=now + timedelta(days=3), spacing=timedelta(seconds=1),
        prefix="explain:later-b",
    )  # fmt: skip
    _explain("1,000,000 future rows")
    _empty_outbox()


def main() -> None:
    args = _arguments()
    _require_postgres_and_redis()
    _create_database()
    _setup(args)
    print(f"machine: {_machine()}")
    if not args.skip_delivery:
        delivery(args)
    if not args.skip_explain:
        explain(args)


if __name__ == "__main__":
    main()
