"""Benchmark: the provider's triage page and one patient's trends page at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ldn_diary_bench .venv/bin/python bench/triage.py

Creates the database named in DATABASE_URL (dropping one left by an earlier run), migrates
it, builds a provider with 1,000 patients and 365 days of diary each (bench/world.py,
bulk_create), then times pages through Django's test Client, logged in: N requests after a
warm-up, median server time, next to a trivial logged-in page (/account/) measured in the
same run, plus each page's query count. Drops the database at the end (--keep keeps it).
PostgreSQL only: the point is the production database's plans.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_EMAIL = "bench-provider@example.org"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def _recreate(url: str, *, drop_only: bool = False) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if not name.replace("_", "").isalnum() or name in ("postgres", "ldn_portal"):
        raise SystemExit(f"refusing to recreate the database {name!r}: name a throwaway one")
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def _measure(client, urls: list[str], runs: int, warmup: int) -> dict[str, list[float]]:
    """Milliseconds per GET of each URL: `warmup` unmeasured rounds, then `runs` rounds, the
    pages interleaved in every round so that load on the machine falls on all of them alike."""
    for _n in range(warmup):
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
    times = {url: [] for url in urls}
    for _n in range(runs):
        for url in urls:
            start = time.perf_counter()
            client.get(url)
            times[url].append((time.perf_counter() - start) * 1000)
    return times


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--task", action="store_true", help="also time the hourly flag task")
    parser.add_argument(
        "--reuse", action="store_true", help="measure a database kept by --keep, no rebuild"
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a throwaway PostgreSQL database.")
    if not args.reuse:
        _recreate(url)
    try:
        _run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not (args.keep or args.reuse):
            _recreate(url, drop_only=True)


def _run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone
    from patients.diary_services import flags_evaluate_all

    from bench.world import build_care_team
    from patients.selectors import local_today, visible_patients
    from portal.accounts.models import User
    from tests.factories import ProviderFactory

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if args.reuse:
        provider = User.objects.get(email=PROVIDER_EMAIL)
        patient = visible_patients(provider).order_by("pk").first()
    else:
        provider = ProviderFactory(email=PROVIDER_EMAIL, name="Dr Bench")
        today = timezone.localdate(timezone=ZoneInfo(provider.timezone))
        world = build_care_team(
            provider=provider, patients=args.patients, diary_days=args.days, today=today
        )
        patient = world.patients[0]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM patients_diaryentry")
        (entries,) = cursor.fetchone()
        cursor.execute("SHOW server_version")
        (pg_version,) = cursor.fetchone()
    built = time.perf_counter() - started

    client = Client()
    client.force_login(provider)
    pages = [
        ("trivial page /account/", reverse("account")),
        ("lighter page /notifications/", reverse("notification_inbox")),
        ("triage (provider home)", reverse("provider_home")),
        ("triage, page 2", reverse("provider_home") + "?page=2"),
        ("trends, 1 patient, 90 days", reverse("patient_trends", args=[patient.pk])),
        (
            "trends, 1 patient, 365 days",
            reverse("patient_trends", args=[patient.pk]) + "?days=365",
        ),
        ("diary timeline, 1 patient", reverse("patient_diary", args=[patient.pk])),
    ]
    print(f"Machine: {_machine()}; PostgreSQL {pg_version}")
    print(
        f"Data: {args.patients} patients, {entries} diary entries "
        f"({args.days} days each), built in {built:.0f} s; today {local_today(patient)}"
    )
    print(f"N={args.runs} requests per page, interleaved, after {args.warmup} warm-up rounds\n")
    times = _measure(client, [url for _name, url in pages], args.runs, args.warmup)
    trivial = statistics.median(times[pages[0][1]])
    print(f"{'page':<30} {'median ms':>10} {'p90 ms':>8} {'x trivial':>10} {'queries':>8}")
    for name, url in pages:
        ordered = sorted(times[url])
        median = statistics.median(ordered)
        p90 = ordered[max(0, int(len(ordered) * 0.9) - 1)]
        print(
            f"{name:<30} {median:>10.1f} {p90:>8.1f} {median / trivial:>10.2f} "
            f"{_queries(client, url):>8}"
        )
    if args.task:
        start = time.perf_counter()
        count = flags_evaluate_all()
        print(f"\nHourly flag task: {count} patients in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
