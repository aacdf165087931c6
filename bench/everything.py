"""Benchmark: a patient's whole record as FHIR (`Patient/<id>/$everything`) through real
gunicorn, for patients with 1 and 3 years of daily diary, in one run.

    .venv/bin/python bench/everything.py                 # 1 and 3 years, 9 rounds
    .venv/bin/python bench/everything.py --years 1,3,5 --rounds 15 --reuse

For each size a PostgreSQL database `ldn_bench_fhir_y<years>` holds one provider and one
patient with that many years of daily diary and the rest of their record (bench/world.py),
built once (--reuse measures a database an earlier run built). A registered app holds an
access token of the patient's. One gunicorn per size (2 sync workers, production settings).
Each round asks every size, in the same order, for the cheapest authenticated API read
(`Patient/<id>` with the token: the yardstick), for `$everything` and for its first page
of 1,000 (`?_count=1000`); a time is connect to last byte. Prints the median, p10-p90, the
median ratio to the yardstick, the answer's size and its number of resources. The goal
(3 years under 2 s) is read from the table, never asserted.
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

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
)

DB_PREFIX = "ldn_bench_fhir_y"
MARKER = "bench_fhir_world"


def _build(years: int) -> None:
    """In a subprocess with the size's database: the world, the app and its token."""
    import django

    django.setup()
    from zoneinfo import ZoneInfo

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    from bench.world import build_care_team
    from tests.factories import ProviderFactory

    call_command("migrate", verbosity=0)
    provider = ProviderFactory(email="bench-fhir-provider@example.org", name="Dr Bench")
    today = timezone.localdate(timezone=ZoneInfo(provider.timezone))
    world = build_care_team(provider=provider, patients=1, diary_days=365 * years, today=today)
    patient = world.patients[0]
    app = Application.objects.create(
        name="Bench App",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://127.0.0.1:9/callback",
    )
    token = secrets.token_urlsafe(30)
    AccessToken.objects.create(
        user=patient.user,
        application=app,
        token=token,
        scope="launch/patient patient/*.read",
        expires=timezone.now() + timedelta(days=3650),
    )
    built = {"years": years, "patient": patient.pk, "token": token}
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(f"CREATE TABLE {MARKER} (options text)")
        cursor.execute(f"INSERT INTO {MARKER} VALUES (%s)", [json.dumps(built)])  # noqa: S608


def _read_world() -> dict | None:
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT options FROM {MARKER}")  # noqa: S608 (a constant)
        return json.loads(cursor.fetchone()[0])


def _world(years: int, args) -> dict:
    name = f"{DB_PREFIX}{years}"
    env = _env(name, args)
    if not (args.reuse and _exists(args.admin_url, name) and _child(env, "read", years)):
        print(f"building {name} ({years} years of diary)...", file=sys.stderr, flush=True)
        _recreate(args.admin_url, name)
        subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--child", "build", "--years", str(years)],
            env=env,
            check=True,
        )
    return _child(env, "read", years)


def _child(env: dict, what: str, years: int):
    out = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--child", what, "--years", str(years)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else None


def get(port: int, path: str, token: str):
    import http.client

    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request(
        "GET",
        path,
        headers={
            "Host": f"127.0.0.1:{port}",
            "Authorization": f"Bearer {token}",
            "X-Forwarded-Proto": "https",
            "Connection": "close",
        },
    )
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}: {data[:300]!r}")
    return elapsed, data


def run(args) -> None:
    sizes = [int(y) for y in args.years.split(",")]
    print(f"machine: {_machine()}; load before: {_load()}")
    sites = []
    try:
        for years in sizes:
            world = _world(years, args)
            process, port = _start_gunicorn(f"fhir-y{years}", _env(f"{DB_PREFIX}{years}", args))
            sites.append((years, world, process, port))
        pages = {
            "Patient/<id> (yardstick)": lambda w: f"/fhir/Patient/{w['patient']}",
            "$everything": lambda w: f"/fhir/Patient/{w['patient']}/$everything",
            "$everything?_count=1000": (
                lambda w: f"/fhir/Patient/{w['patient']}/$everything?_count=1000"
            ),
        }
        times = {(y, name): [] for y, *_ in sites for name in pages}
        answers = {}
        for years, world, _, port in sites:  # warm-up, and the answers' sizes
            for name, path in pages.items():
                _, data = get(port, path(world), world["token"])
                answers[(years, name)] = data
        for n in range(args.rounds):
            for years, world, _, port in sites:
                for name, path in pages.items():
                    elapsed, _ = get(port, path(world), world["token"])
                    times[(years, name)].append(elapsed * 1000)
            print(f"  round {n + 1}/{args.rounds} done, load {_load()}", file=sys.stderr)
        print(f"\n$everything through gunicorn, {args.rounds} rounds (times in ms)")
        print(
            f"{'request':<26} {'years':>5} {'median':>8} {'p10-p90':>15} {'x yardstick':>11} "
            f"{'bytes':>10} {'resources':>9}"
        )
        for years, *_ in sites:
            yard = times[(years, "Patient/<id> (yardstick)")]
            for name in pages:
                values = times[(years, name)]
                ratio = statistics.median(v / y for v, y in zip(values, yard, strict=True))
                data = answers[(years, name)]
                body = json.loads(data)
                count = len(body.get("entry", [])) if body["resourceType"] == "Bundle" else 1
                spread = f"{_percentile(values, 0.1):.0f}-{_percentile(values, 0.9):.0f}"
                print(
                    f"{name:<26} {years:>5} {statistics.median(values):>8.0f} {spread:>15} "
                    f"{ratio:>11.1f} {len(data):>10} {count:>9}"
                )
        print(f"\nload after: {_load()}")
    finally:
        for *_, process, _port in sites:
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", default="1,3")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    )
    parser.add_argument("--child", choices=["build", "read"])
    args = parser.parse_args()
    if args.child == "build":
        _build(int(args.years))
    elif args.child == "read":
        print(json.dumps(_read_world()))
    else:
        run(args)


if __name__ == "__main__":
    main()
