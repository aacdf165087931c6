"""Benchmark of reminder delivery through PostgreSQL, Redis and real Celery workers.

1. In the portal: COUNT due diary nudges (in-app, spread over 1,000 patients) are written
   with COPY. Celery worker processes (prefork) start; the real dispatcher
   (services.dispatch_due) claims the due rows batch by batch (NOTIFICATION_DISPATCH_BATCH)
   and publishes their sends in chunks of NOTIFICATION_SEND_CHUNK rows; the workers deliver
   each chunk with services.notifications_send (composed together, one conditional UPDATE,
   the Delivery rows in the same transaction). It reports the wall time from the first
   claim until every row is sent, the rate, the CPU of the workers, the dispatcher,
   PostgreSQL and Redis per reminder, and checks that every row was delivered exactly once.
2. By e-mail: EMAIL_COUNT due diary nudges on the e-mail channel, the same way, to an SMTP
   server (aiosmtpd) running in this process; each e-mail is its own task
   (services.notification_send). Checks that each arrived once (by its X-LDN-Notification
   header) and was delivered once.
3. The due-row query: EXPLAIN (ANALYZE, BUFFERS) of the dispatcher's claim with 500 due rows
   beside 10,000 and then 1,000,000 rows planned for later.

Where the time goes: the dispatcher's claim and publish are timed around
services._claim_due and services._enqueue_sends in this process (wall and CPU); the workers
are sampled with py-spy (when installed: `make install-dev`) and their samples split into
loading the queued rows, composing, the conditional UPDATE, writing Delivery rows, the rest
of the service (commit, logging), sending e-mail, and Celery itself (receiving, acking, the
pool's hand-offs).

Run it against a database and a Redis database of its own; it empties their notifications:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ldn_bench_remind \\
    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/reminders.py

The database is created and migrated when missing. --help lists the options.
"""

import argparse
import json
import logging
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PATIENTS = 1000
DUE_FOR_EXPLAIN = 500
PY_SPY = ROOT / ".venv" / "bin" / "py-spy"
# Where a worker's sample was taken, by the innermost match; the first match wins.
PHASES = (
    ("_deliver_chunk", "worker: conditional UPDATE and Delivery rows (one statement)"),
    ("_mark_chunk_sent", "worker: conditional UPDATE (marks the chunk sent)"),
    ("_compose_all", "worker: compose"),
    ("_queued", "worker: load the queued rows"),
    ("send_templated_mail", "worker: write and send the e-mail (SMTP)"),
    ("bulk_create", "worker: write the Delivery rows"),
    ("notifications_send", "worker: rest of the chunk service (commit, logging)"),
    ("notification_send", "worker: rest of the e-mail service (claim, mark sent, commit)"),
)
CELERY = "worker: Celery (receive, hand to the pool, ack)"


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="in-app reminders")
    parser.add_argument("--email-count", type=int, default=5_000, help="e-mail reminders")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="pool size per worker")
    parser.add_argument("--prefetch", type=int, default=None, help="worker prefetch multiplier")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=600,
        help="DATABASE_CONN_MAX_AGE for the workers (production's default: 600)",
    )
    parser.add_argument("--batch", type=int, default=None, help="NOTIFICATION_DISPATCH_BATCH")
    parser.add_argument("--chunk", type=int, default=None, help="NOTIFICATION_SEND_CHUNK")
    parser.add_argument("--runs", type=int, default=1, help="repeat the in-app delivery")
    parser.add_argument("--no-profile", action="store_true", help="do not sample the workers")
    parser.add_argument("--skip-delivery", action="store_true")
    parser.add_argument("--skip-email", action="store_true")
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
    if args.chunk:
        os.environ["NOTIFICATION_SEND_CHUNK"] = str(args.chunk)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


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
        cursor.execute("VACUUM ANALYZE notifications_notification")


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


def _bulk_reminders(recipients, count, *, due_from, spacing, prefix, channel="in_app") -> int:
    from bench.world import BulkTable
    from portal.notifications.models import Notification

    columns = ("recipient_id", "kind", "channel", "due_at", "status", "dedupe_key", "context")
    table = BulkTable(Notification, columns)
    first_day = date(2026, 1, 1)
    now = due_from
    for i in range(count):
        recipient = recipients[i % len(recipients)]
        day = (first_day + timedelta(days=i // len(recipients))).isoformat()
        key = f"{prefix}:{recipient}:{day}:{channel}"
        context = json.dumps({"date": day})  # COPY takes the JSON as text
        table.add((recipient, "diary", channel, now + spacing * i, "pending", key, context))
    table.flush()
    return count


def _start_workers(args, env: dict | None = None) -> list[subprocess.Popen]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.base", **(env or {})}
    if args.prefetch:
        env["CELERY_WORKER_PREFETCH_MULTIPLIER"] = str(args.prefetch)
    env["DATABASE_CONN_MAX_AGE"] = str(args.conn_max_age)
    logs = ROOT / "var"
    logs.mkdir(exist_ok=True)
    workers = []
    for i in range(args.workers):
        log = open(logs / f"bench-worker-{i}.log", "wb")  # noqa: SIM115 (closed with the process)
        command = [
            sys.executable, "-m", "celery", "-A", "portal", "worker",
            "--pool", "prefork", "--concurrency", str(args.concurrency),
            "--hostname", f"bench{i}@%h", "--loglevel", "WARNING",
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


def _stop(workers) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _cpu_of(pids) -> float:
    """CPU seconds (user + system) of these processes and the children they reaped."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def _pids_of(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


class Servers:
    """CPU used between two readings by the PostgreSQL backends serving this benchmark's
    database (the dispatcher's and the workers', which keep their connections) and by the
    Redis server (all of it: other work on the machine shows up there too)."""

    def __init__(self):
        self.start = self._read()

    @staticmethod
    def _read() -> dict:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            backends = [pid for (pid,) in cursor.fetchall()]
        reading = {("postgres", pid): _cpu_of([pid]) for pid in backends}
        reading[("redis", 0)] = _cpu_of(_pids_of("redis-server"))
        return reading

    def used(self) -> dict:
        now = self._read()
        used = {"postgres": 0.0, "redis": 0.0}
        for (name, pid), cpu in now.items():
            used[name] += cpu - self.start.get((name, pid), 0.0)
        return used


class Timed:
    """Wall and CPU time spent in one function of services, in this process."""

    def __init__(self, module, name: str):
        self.module, self.name, self.original = module, name, getattr(module, name)
        self.wall = self.cpu = 0.0
        self.calls = 0

        def timed(*a, **k):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return self.original(*a, **k)
            finally:
                self.wall += time.perf_counter() - wall
                self.cpu += time.process_time() - cpu
                self.calls += 1

        setattr(module, name, timed)

    def restore(self) -> None:
        setattr(self.module, self.name, self.original)


class Sampler:
    """py-spy sampling the worker processes and their pool processes."""

    def __init__(self, workers, label: str):
        self.out = ROOT / "var" / f"bench-profile-{label}.txt"
        self.processes = []
        if not PY_SPY.exists():
            return
        for worker in workers:
            command = [
                str(PY_SPY), "record", "--pid", str(worker.pid), "--subprocesses",
                "--nonblocking", "--format", "raw", "--rate", "100",
                "--output", f"{self.out}.{worker.pid}",
            ]  # fmt: skip
            self.processes.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )

    def stop(self) -> Counter | None:
        if not self.processes:
            return None
        for process in self.processes:
            process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        phases: Counter = Counter()
        for path in ROOT.joinpath("var").glob(f"{self.out.name}.*"):
            for line in path.read_text().splitlines():
                stack, _sep, count = line.rpartition(" ")
                if not count.isdigit():
                    continue
                phases[_phase(stack)] += int(count)
            path.unlink()
        return phases


def _phase(stack: str) -> str:
    frames = [frame.split(" (", 1)[0] for frame in stack.split(";")]
    for function, label in PHASES:
        if function in frames:
            return label
    return CELERY


def _print_profile(title: str, phases: Counter | None, rate: int = 100) -> None:
    if phases is None:
        print(f"{title}: py-spy is not installed (make install-dev)")
        return
    total = sum(phases.values())
    print(f"{title} (py-spy, {total / rate:.1f} s of samples while on CPU or in a call):")
    for label, count in phases.most_common():
        print(f"  {label:<62} {count / rate:>6.1f} s {count / total:>6.1%}")


def _wait_until_sent(count: int, started: float, label: str) -> None:
    from portal.notifications.models import Notification

    unsent = Notification.objects.exclude(status=Notification.Status.SENT)
    last, last_change, last_report = None, time.monotonic(), started
    while (left := unsent.count()) > 0:
        now = time.monotonic()
        if left != last:
            last, last_change = left, now
        if now - last_report >= 10:
            print(f"  {label}: {count - left:,} sent after {now - started:.0f} s", flush=True)
            last_report = now
        if now - last_change > 300:
            sys.exit("No progress for 5 minutes: see var/bench-worker-*.log.")
        time.sleep(0.1)


def _exactly_once(count: int) -> tuple[int, int]:
    from django.db import connection

    from portal.notifications.models import Delivery, Notification

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT notification_id FROM notifications_delivery "
            "GROUP BY notification_id HAVING count(*) > 1) AS twice"
        )
        twice = cursor.fetchone()[0]
    sent = Notification.objects.filter(status=Notification.Status.SENT).count()
    delivered = Delivery.objects.values("notification_id").distinct().count()
    lost = count - min(sent, delivered)
    return lost, twice


def _deliver(args, label: str, count: int, *, channel: str, worker_env=None) -> dict:
    from django.conf import settings

    from portal.celery import app
    from portal.notifications import services

    _empty_outbox()
    app.control.purge()
    recipients = _patients()
    from django.utils import timezone

    written = time.monotonic()
    _bulk_reminders(
        recipients, count, due_from=timezone.now() - timedelta(hours=1), spacing=timedelta(0),
        prefix=f"bench:{label}", channel=channel,
    )  # fmt: skip
    print(f"\n[{label}] wrote {count:,} due reminders ({channel}) in "
          f"{time.monotonic() - written:.1f} s; load average {_load()}")  # fmt: skip
    workers = _start_workers(args, worker_env)
    print(
        f"[{label}] {args.workers} workers x {args.concurrency} (prefork), prefetch "
        f"{args.prefetch or settings.CELERY_WORKER_PREFETCH_MULTIPLIER}, DATABASE_CONN_MAX_AGE "
        f"{args.conn_max_age}, dispatch batch "
        f"{settings.NOTIFICATION_DISPATCH_BATCH}, send chunk {settings.NOTIFICATION_SEND_CHUNK}",
        flush=True,
    )
    sampler = None if args.no_profile else Sampler(workers, label)
    # Before the single-statement claim there was no _claim_due: its time is then the
    # dispatcher's less the publishing.
    claim = Timed(services, "_claim_due") if hasattr(services, "_claim_due") else None
    publish = Timed(services, "_enqueue_sends")
    servers = Servers()
    mine = resource.getrusage(resource.RUSAGE_SELF)
    try:
        started = time.monotonic()
        claimed = services.dispatch_due()
        dispatched = time.monotonic() - started
        dispatcher = resource.getrusage(resource.RUSAGE_SELF)
        _wait_until_sent(count, started, label)
        elapsed = time.monotonic() - started
        server_cpu = servers.used()
        phases = sampler.stop() if sampler else None
    finally:
        if claim:
            claim.restore()
        publish.restore()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        _stop(workers)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    dispatcher_cpu = (dispatcher.ru_utime + dispatcher.ru_stime) - (mine.ru_utime + mine.ru_stime)
    lost, twice = _exactly_once(count)
    print(
        f"[{label}] RESULT: {count:,} reminders sent in {elapsed:.1f} s ({count / elapsed:,.0f} "
        f"per second); {lost} lost, {twice} delivered more than once; claimed {claimed:,}"
    )
    if claim is None:
        claimed_in = (
            f"{dispatched - publish.wall:.1f} s wall ({dispatcher_cpu - publish.cpu:.1f} s CPU)"
        )
    else:
        claimed_in = f"{claim.wall:.1f} s wall ({claim.cpu:.1f} s CPU, {claim.calls} statements)"
    print(
        f"[{label}] dispatcher: {dispatched:.1f} s wall, {dispatcher_cpu:.1f} s CPU; claim "
        f"{claimed_in}, publish {publish.wall:.1f} s wall ({publish.cpu:.1f} s CPU, "
        f"{publish.calls} batches)"
    )
    total_cpu = workers_cpu + dispatcher_cpu + sum(server_cpu.values())
    print(
        f"[{label}] CPU: workers {workers_cpu:.1f} s ({workers_cpu / count * 1000:.3f} ms per "
        f"reminder), dispatcher {dispatcher_cpu:.1f} s, PostgreSQL {server_cpu['postgres']:.1f} s"
        f", Redis {server_cpu['redis']:.1f} s; all {total_cpu / count * 1000:.3f} ms per "
        f"reminder; load average at the end {_load()}"
    )
    if sampler is not None:
        _print_profile(f"[{label}] where the workers' time went", phases)
    return {"seconds": elapsed, "lost": lost, "twice": twice, "cpu_ms": total_cpu / count * 1000}


class Inbox:
    """An SMTP server's handler that counts each message's notification header."""

    def __init__(self):
        self.ids: Counter = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        header = envelope.original_content.split(b"X-LDN-Notification: ", 1)
        pk = int(header[1].split(b"\r", 1)[0]) if len(header) == 2 else 0
        with self.lock:
            self.ids[pk] += 1
        return "250 Message accepted"


def email(args) -> None:
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "false",
    }
    try:
        _deliver(args, "e-mail", args.email_count, channel="email", worker_env=env)
    finally:
        controller.stop()
    twice = sum(1 for n in inbox.ids.values() if n > 1)
    print(
        f"[e-mail] the SMTP server received {sum(inbox.ids.values()):,} messages for "
        f"{len(inbox.ids):,} reminders; {twice} received more than once"
    )


def _explain(label: str) -> None:
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.notifications import services

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_notification")
        cursor.execute(
            "SELECT count(*) FILTER (WHERE due_at > now()), count(*) FROM "
            "notifications_notification WHERE status = 'pending'"
        )
        future, pending = cursor.fetchone()
    with transaction.atomic():
        now, limit = timezone.now(), settings.NOTIFICATION_DISPATCH_BATCH
        sql, params = services.due_claim_sql(now=now, limit=limit)
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
    print(f"machine: {_machine()}; load average {_load()}")
    results = []
    if not args.skip_delivery:
        for run in range(args.runs):
            results.append(_deliver(args, f"in-app {run + 1}", args.count, channel="in_app"))
    if len(results) > 1:
        times = ", ".join(f"{r['seconds']:.1f}" for r in results)
        print(f"\nin-app runs: {times} s; lost {sum(r['lost'] for r in results)}, "
              f"twice {sum(r['twice'] for r in results)}")  # fmt: skip
    if not args.skip_email:
        email(args)
    if not args.skip_explain:
        explain(args)


if __name__ == "__main__":
    main()
