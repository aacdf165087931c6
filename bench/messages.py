"""Benchmark: the care team's inbox and a conversation through real gunicorn, against the
cheapest authenticated page, at several sizes in one run.

    .venv/bin/python bench/messages.py                      # 1,000 and 10,000 conversations
    .venv/bin/python bench/messages.py --sizes 10000 --rounds 21 --reuse

For each size, a PostgreSQL database `ldn_bench_m<size>`: a provider whose care team has
--patients patients with `size` conversations among them and 20 messages each (10,000
conversations: 200,000 messages), every fifth conversation waiting for a reply, every
seventh assigned to the provider, every eleventh closed, read marks on half of them. It is
built once in a subprocess (the bulk builder of bench/world.py for the patients, then
bulk inserts); --reuse measures a database an earlier run built with the same options.
The subprocess logs in the provider and the patient with the most conversations with
Django's test client (their session cookies go to the HTTP client) and counts each page's
queries (the second request of each page).

One gunicorn per size (2 sync workers, production settings, as bench/pages.py starts
them). Every round requests every page of every size once, in the same order; each time is
divided by the yardstick's time in the same round and size. The yardstick is the cheapest
of a few small authenticated pages (*My account*, reminder settings, the notification
list), chosen by median over the first rounds. Prints median ms, p10-p90, the median ratio,
bytes and queries per page.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import (  # noqa: E402 (after the path)
    _env,
    _exists,
    _load,
    _machine,
    _percentile,
    _recreate,
    _start_gunicorn,
    _stop_on_term,
    request,
)

PREFIX = "ldn_bench_m"
MARKER = "bench_messages"
PROVIDER_EMAIL = "bench-messages@example.org"
MESSAGES_PER_CONVERSATION = 20
CANDIDATES = ("/account/", "/notifications/preferences/", "/notifications/")


def _built(options: dict) -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT options FROM {MARKER}")  # noqa: S608 (a constant)
        row = cursor.fetchone()
    built = json.loads(row[0]) if row else None
    if built is None or any(built.get(k) != v for k, v in options.items()):
        return None
    return built


def _build(options: dict) -> dict:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench.world import build_care_team
    from messaging.models import Conversation, Message, ReadMark
    from tests.factories import ProviderFactory

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    provider = ProviderFactory(email=PROVIDER_EMAIL, name="Dr Bench")
    today = timezone.localdate(timezone=ZoneInfo(provider.timezone))
    world = build_care_team(
        provider=provider, patients=options["patients"], diary_days=7, today=today
    )
    patients = world.patients
    now = timezone.now()
    size = options["conversations"]
    step = timedelta(minutes=7)
    batch = 2000
    for first in range(0, size, batch):
        conversations = []
        for n in range(first, min(size, first + batch)):
            patient = patients[n % len(patients)]
            last = now - step * (size - n)
            waiting = n % 5 == 0
            conversations.append(
                Conversation(
                    patient=patient,
                    subject=f"Question {n}",
                    topic="other",
                    started_by=patient.user,
                    created_at=last - step * MESSAGES_PER_CONVERSATION,
                    last_message_at=last,
                    last_patient_message_at=last if waiting else last - step,
                    last_team_message_at=None if waiting else last,
                    waiting_since=last if waiting else None,
                    assigned_to=provider if n % 7 == 0 else None,
                    closed_at=last if n % 11 == 0 else None,
                    urgent=n % 97 == 0,
                )
            )
        conversations = Conversation.objects.bulk_create(conversations)
        messages, marks = [], []
        for c in conversations:
            for m in range(MESSAGES_PER_CONVERSATION):
                from_patient = m % 2 == 0
                messages.append(
                    Message(
                        conversation=c,
                        sender=c.patient.user if from_patient else provider,
                        from_patient=from_patient,
                        body=f"Message {m} of conversation {c.pk}. " * 4,
                        sent_at=c.last_message_at - step * (MESSAGES_PER_CONVERSATION - 1 - m),
                    )
                )
            if c.pk % 2:
                marks.append(ReadMark(conversation=c, user=provider, read_at=c.last_message_at))
        Message.objects.bulk_create(messages, batch_size=5000)
        ReadMark.objects.bulk_create(marks)
    built = {**options, "seconds": round(time.perf_counter() - started, 1)}
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(f"CREATE TABLE {MARKER} (options text)")
        cursor.execute(f"INSERT INTO {MARKER} VALUES (%s)", [json.dumps(built)])  # noqa: S608
    return built


def prepare(args) -> None:
    """In a subprocess with DATABASE_URL set to one size's database: build it when needed,
    log people in, list the pages with their query counts; print JSON."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from messaging.models import Conversation, Message
    from portal.accounts.models import User

    options = {"conversations": args.prepare, "patients": args.patients, "version": 1}
    name = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    built = _built(options) if args.reuse and _exists(args.admin_url, name) else None
    if built is None:
        connection.close()
        _recreate(args.admin_url, name)
        built = _build(options)
        built["reused"] = False
    else:
        call_command("migrate", verbosity=0)
        built["reused"] = True
    provider = User.objects.get(email=PROVIDER_EMAIL)
    busiest = (
        Conversation.objects.values("patient__user")
        .annotate(n=Count("id"))
        .order_by("-n", "patient__user")
        .first()
    )
    patient_user = User.objects.get(pk=busiest["patient__user"])
    newest = Conversation.objects.filter(closed_at__isnull=True).order_by("-last_message_at")[0]
    mine = Conversation.objects.filter(patient__user=patient_user).order_by("-last_message_at")[0]

    def client_for(user) -> Client:
        client = Client(secure=True, HTTP_X_FORWARDED_PROTO="https")
        client.force_login(user)
        client.get("/")
        return client

    clients = {"provider": client_for(provider), "patient": client_for(patient_user)}
    pages = [{"name": f"yardstick {path}", "role": "provider", "path": path} for path in CANDIDATES]
    pages += [
        {
            "name": f"inbox {status}",
            "role": "provider",
            "path": f"/provider/messages/?status={status}",
        }
        for status in ("open", "unread", "waiting", "mine", "closed")
    ]
    pages += [
        {"name": "inbox page 100", "role": "provider", "path": "/provider/messages/?page=100"},
        {"name": "conversation (provider)", "role": "provider", "path": f"/messages/{newest.pk}/"},
        {"name": "provider home", "role": "provider", "path": "/provider/"},
        {"name": "patient messages", "role": "patient", "path": "/messages/"},
        {"name": "conversation (patient)", "role": "patient", "path": f"/messages/{mine.pk}/"},
    ]
    for page in pages:
        client = clients[page["role"]]
        first = client.get(page["path"])
        with CaptureQueriesContext(connection) as captured:
            second = client.get(page["path"])
        page["status"] = [first.status_code, second.status_code]
        page["queries"] = len(captured)
    built["messages"] = Message.objects.count()
    built["conversations_in_db"] = Conversation.objects.count()
    result = {
        "built": built,
        "pages": pages,
        "sessions": {r: c.cookies["sessionid"].value for r, c in clients.items()},
    }
    print("BENCH-JSON " + json.dumps(result))


def _prepare_site(size: int, args) -> dict:
    env = _env(f"{PREFIX}{size}", args)
    command = [sys.executable, __file__, "--prepare", str(size), "--patients", str(args.patients)]
    command += ["--admin-url", args.admin_url] + (["--reuse"] if args.reuse else [])
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if done.returncode or line is None:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"preparing {size} conversations failed")
    world = json.loads(line.removeprefix("BENCH-JSON "))
    built = world["built"]
    how = "reused" if built["reused"] else f"built in {built['seconds']:.0f} s"
    print(
        f"{size:,} conversations, {built['messages']:,} messages, {built['patients']:,} "
        f"patients: {PREFIX}{size} ({how})",
        flush=True,
    )
    return world


def run(args) -> None:
    signal.signal(signal.SIGTERM, _stop_on_term)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"Machine: {_machine()}\nLoad before: {_load()}", flush=True)
    (ROOT / "var").mkdir(exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=_env(f"{PREFIX}{sizes[0]}", args),
        check=True,
    )
    sites = []
    try:
        for size in sizes:
            world = _prepare_site(size, args)
            process, port = _start_gunicorn(size, _env(f"{PREFIX}{size}", args))
            sites.append((size, port, process, world))
        times = {(size, p["name"]): [] for size, _port, _proc, w in sites for p in w["pages"]}
        sizes_bytes = {}
        for _ in range(args.rounds):
            for size, port, _proc, world in sites:
                for page in world["pages"]:
                    session = world["sessions"][page["role"]]
                    elapsed, status, length, _body = request(port, session, "GET", page["path"])
                    if status != 200:
                        raise SystemExit(f"{page['path']} answered {status} at {size:,}")
                    times[(size, page["name"])].append(elapsed)
                    sizes_bytes[(size, page["name"])] = length
        print(f"Load after: {_load()}")
        for size, _port, _proc, world in sites:
            yard = min(
                (p for p in world["pages"] if p["name"].startswith("yardstick")),
                key=lambda p: statistics.median(times[(size, p["name"])]),
            )["name"]
            print(
                f"\n{size:,} conversations ({world['built']['messages']:,} messages), "
                f"{args.rounds} rounds; yardstick: {yard.removeprefix('yardstick ')}"
            )
            print(
                f"{'page':<28} {'median ms':>10} {'p10-p90 ms':>15} {'x yardstick':>11} "
                f"{'bytes':>9} {'queries':>7}"
            )
            for page in world["pages"]:
                key = (size, page["name"])
                values = times[key]
                ratios = [t / y for t, y in zip(values, times[(size, yard)], strict=True)]
                low, high = _percentile(values, 0.1) * 1000, _percentile(values, 0.9) * 1000
                print(
                    f"{page['name']:<28} {statistics.median(values) * 1000:>10.1f} "
                    f"{low:>7.1f}-{high:<7.1f} {statistics.median(ratios):>11.2f} "
                    f"{sizes_bytes[key]:>9,} {page['queries']:>7}"
                )
    finally:
        for _size, _port, process, _world in sites:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    args = parser.parse_args()
    if args.prepare:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
        prepare(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
