"""Benchmark: the portal's pages through real gunicorn at several team sizes in one run.

    .venv/bin/python bench/pages.py                       # 100, 1,000 and 10,000 patients
    .venv/bin/python bench/pages.py --sizes 100,1000 --rounds 7 --reuse

What it does, in order:

1. For each size, a PostgreSQL database `ldn_bench_p<size>` (a provider whose care team is
   that many patients, 365 diary days each: bench/world.py; BENCH_DB_PREFIX changes the
   prefix). It is built once; --reuse measures a database built by an earlier run (it is
   rebuilt when missing or built with other options). In a subprocess per size (settings
   are per process), Django's test client logs in the world's provider and nine of its
   patients (their session cookies are handed to the HTTP client), lists the pages and
   counts each page's queries (CaptureQueriesContext, the second request of each page).
2. One gunicorn per size (2 sync workers, `portal.settings.production` with DEBUG off and
   `DATABASE_CONN_MAX_AGE` as production sets it), each on its own port. Requests come from
   a plain HTTP client in this process, one new TCP connection per request (keep-alive off:
   gunicorn's sync workers close every connection anyway), sent as from behind the TLS proxy
   (`X-Forwarded-Proto: https`). A time is connect to last byte of the body.
3. Discovery, at the smallest size: every authenticated GET page of the provider and the
   patient and a few trivial POSTs, interleaved over --discover-rounds rounds. The cheapest
   GET and the cheapest POST become the yardsticks.
4. The main rounds: for every size, the yardsticks, every provider list page, the patient
   record, the diary timeline, trends at 365 days and the diary day POST. Triage and the
   titration queue keep their rows rendered (portal.lib.fragments), so each is measured twice:
   as a provider sees it again (rows kept) and with every kept row deleted from Redis just
   before the request ("rows afresh": the first view after the rows changed; the rows are
   kept again, unmeasured, before the next page, and so are the diary timeline's days and
   the patient's diary). Trends keeps its two tables: "trends 365 days" is of the patient
   whose diary day POST each round changes (the tables rendered afresh every time), "tables
   kept" of a patient no request changes; the diary timeline is of the patient whose day
   changes (one row rendered afresh each round). Every round visits
   every size and page once, in the same order, so load on the machine falls on all alike.
   Each time is divided by the yardstick's time in the same round and size (GETs by the
   cheapest GET, POSTs by the cheapest POST); the table shows the median of those ratios.
5. Throughput at concurrency 8: the diary day POST (8 patients, each saving their own day)
   against the cheapest POST, alternating in blocks of --throughput-seconds, twice each.

Prints the machine, the load average before and after, and a table per phase: median ms,
p10-p90, median ratio, response bytes and queries. Needs PostgreSQL (DATABASE_ADMIN_URL,
default postgres://postgres@127.0.0.1:5432/postgres) and Redis (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/13: production settings require a broker).
"""

import argparse
import hashlib
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.settings.keys import new_rsa_private_key_pem  # noqa: E402 (after the path)

PROVIDER_EMAIL = "bench-provider@example.org"
PATIENT_SESSIONS = 9  # one for the latency rounds, eight for the concurrent diary saves
# The pages whose rows or tables are kept rendered, kept again after the rows afresh.
KEPT_PAGES = (
    "provider home (triage)",
    "titration queue",
    "trends 365 days, tables kept",
    "diary timeline",
    "diary",
)
# BENCH_DB_PREFIX keeps two checkouts measuring at once apart.
PREFIX = os.environ.get("BENCH_DB_PREFIX", "ldn_bench_p")
MARKER = "bench_world"
# One key for the whole run: the sessions made in the prepare step must be valid in gunicorn.
SECRET_KEY = "bench-" + secrets.token_urlsafe(48)
OIDC_KEY = new_rsa_private_key_pem()  # production settings require an id_token signing key


# --- The world, in a subprocess per size ---------------------------------------------------


def _recreate(admin_url: str, name: str) -> None:
    import psycopg

    # Only a benchmark's own database: ldn_bench..., or BENCH_DB_PREFIX (ldn_...) and a size.
    prefixed = PREFIX.startswith("ldn_") and name.removeprefix(PREFIX).isdigit()
    if not (name.startswith("ldn_bench") or prefixed):
        raise SystemExit(f"refusing to recreate the database {name!r}")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _exists(admin_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def _built(options: dict) -> dict | None:
    """What the database says it was built with, or None when it was never finished."""
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


def _build(size: int, days: int, builder: str) -> dict:
    from zoneinfo import ZoneInfo

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench.world import build_care_team
    from tests.factories import ProviderFactory

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    provider = ProviderFactory(email=PROVIDER_EMAIL, name="Dr Bench")
    today = timezone.localdate(timezone=ZoneInfo(provider.timezone))
    build_care_team(provider=provider, patients=size, diary_days=days, today=today)
    built = {
        "patients": size,
        "days": days,
        "today": today.isoformat(),
        "seconds": round(time.perf_counter() - started, 1),
        "builder": builder,
    }
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(f"CREATE TABLE {MARKER} (options text)")
        cursor.execute(f"INSERT INTO {MARKER} VALUES (%s)", [json.dumps(built)])  # noqa: S608
    return built


class _Form(HTMLParser):
    """The fields of every POST form on a page, as a browser would submit them, with each
    form's action."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict]] = []
        self.fields, self.inside, self.select, self.textarea = None, False, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.inside, self.fields = True, {}
            self.forms.append((a.get("action") or "", self.fields))
        if not self.inside or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self.select = a["name"]
            self.fields.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in a:
            self.fields[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields[self.textarea] = ""

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_fields(html: str, path: str | None = None) -> dict:
    """The fields of the page's form that posts to `path` (or to the page itself), not of
    the log-out form in the menu; the first POST form when `path` is None."""
    parser = _Form()
    parser.feed(html)
    for action, fields in parser.forms:
        if path is None or action in ("", path):
            return fields
    raise SystemExit(f"no form posting to {path} on the page")


def _pages(patient, regimen, today, quiet) -> list[dict]:
    """Every authenticated GET page of the provider and the patient (the CSV downloads of a
    whole diary aside), and the POSTs the benchmark may use. A page that answers with
    anything but 200 (a redirect, a POST-only address) is left out and listed. `quiet` is a
    patient of the team whom no request of the benchmark changes: their trends find their
    tables kept, as a provider who looks again does."""
    from django.urls import reverse

    from portal.content.models import Article

    pk = patient.pk
    provider = {
        "provider home (triage)": reverse("provider_home"),
        "titration queue": reverse("titration_queue"),
        "patient list": reverse("patient_list"),
        "check-ins (provider)": reverse("provider_checkins"),
        "invitations": reverse("invitation_list"),
        "new invitation": reverse("invitation_new"),
        "patient record": reverse("patient_record", args=[pk]),
        "patient medications": reverse("patient_medication_list", args=[pk]),
        "diary timeline": reverse("patient_diary", args=[pk]),
        "trends 90 days": reverse("patient_trends", args=[pk]),
        "trends 365 days": reverse("patient_trends", args=[pk]) + "?days=365",
        "trends 365 days, tables kept": reverse("patient_trends", args=[quiet.pk]) + "?days=365",
        "patient review": reverse("patient_review", args=[pk]),
        "regimen": reverse("regimen_detail", args=[pk, regimen.pk]),
        "report a side effect (provider)": reverse("regimen_side_effect", args=[pk, regimen.pk]),
        "start a regimen": reverse("regimen_start", args=[pk]),
        "book a check-in": reverse("checkin_book", args=[pk]),
        "notifications (provider)": reverse("notification_inbox"),
        "reminder settings (provider)": reverse("notification_preferences"),
        "my account (provider)": reverse("account"),
        "library (provider)": reverse("library"),
    }
    mine = {
        "patient home": reverse("patient_home"),
        "tonight": reverse("tonight"),
        "diary": reverse("diary"),
        "diary day": reverse("diary_entry", kwargs={"day": today}),
        "diary new day": reverse("diary_new"),
        "diary morning": reverse("diary_morning"),
        "diary PGIC": reverse("diary_pgic"),
        "tonight: side effect": reverse("tonight_side_effect"),
        "tonight: hold request": reverse("hold_request"),
        "diary trends": reverse("diary_trends"),
        "profile": reverse("profile"),
        "access log": reverse("access_log"),
        "medications": reverse("medication_list"),
        "check-ins (patient)": reverse("my_checkins"),
        "calendar settings": reverse("calendar_settings"),
        "notifications (patient)": reverse("notification_inbox"),
        "reminder settings (patient)": reverse("notification_preferences"),
        "my account (patient)": reverse("account"),
        "library (patient)": reverse("library"),
    }
    article = Article.objects.live().order_by("pk").first()
    if article is not None:  # the library's articles come with the migrations
        provider["library article (provider)"] = reverse("library_article", args=[article.slug])
        mine["library article (patient)"] = reverse("library_article", args=[article.slug])
    pages = [
        {"name": n, "role": "provider", "method": "GET", "path": p} for n, p in provider.items()
    ]
    pages += [{"name": n, "role": "patient", "method": "GET", "path": p} for n, p in mine.items()]
    # The two lists keep their rows rendered (portal.lib.fragments); these variants are the
    # same pages with every kept row forgotten just before the request.
    pages += [
        {"name": f"{name}, rows afresh", "role": "provider", "method": "GET",
         "path": provider[name], "forget_rows": True}
        for name in ("provider home (triage)", "titration queue")
    ]  # fmt: skip
    posts = {
        "mark all read (patient)": ("patient", reverse("notification_mark_all_read")),
        "mark all read (provider)": ("provider", reverse("notification_mark_all_read")),
        "diary day POST": ("patient", reverse("diary_entry", kwargs={"day": today})),
    }
    pages += [{"name": n, "role": r, "method": "POST", "path": p} for n, (r, p) in posts.items()]
    return pages


def _top_up(people, today) -> None:
    """A world reused on a later day lacks the diary days since it was built: the patients
    who log in get them (a copy of their last day), so that today's diary day exists."""
    from datetime import timedelta

    from patients.models import DiaryEntry

    missing = []
    for patient in people:
        last = DiaryEntry.objects.filter(patient=patient).order_by("-local_date").first()
        day = last.local_date + timedelta(days=1)
        while day <= today:
            copy = DiaryEntry.objects.get(pk=last.pk)
            copy.pk, copy.local_date = None, day
            missing.append(copy)
            day += timedelta(days=1)
    DiaryEntry.objects.bulk_create(missing)


def prepare(args) -> None:
    """Runs in a subprocess with DATABASE_URL set to one size's database: builds it when
    needed, logs people in, lists pages with their query counts; prints JSON."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from patients.models import Patient
    from patients.selectors.records import visible_patients
    from portal.accounts.models import User
    from portal.lib.timing import local_today
    from regimens.models import Regimen

    # A world is rebuilt when the builder changed (say, it fills a new table).
    builder = hashlib.sha256(Path(__file__).with_name("world.py").read_bytes()).hexdigest()[:12]
    options = {"patients": args.prepare, "days": args.days, "builder": builder}
    name = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    built = _built(options) if args.reuse and _exists(args.admin_url, name) else None
    if built is None:
        connection.close()
        _recreate(args.admin_url, name)
        built = _build(args.prepare, args.days, builder)
        built["reused"] = False
    else:
        call_command("migrate", verbosity=0)  # a world built before the latest migrations
        built["reused"] = True
    provider = User.objects.get(email=PROVIDER_EMAIL)
    people = list(visible_patients(provider).order_by("pk")[: PATIENT_SESSIONS + 1])
    people, quiet = people[:PATIENT_SESSIONS], people[PATIENT_SESSIONS]
    patient = people[0]
    regimen = Regimen.objects.filter(patient=patient, status=Regimen.Status.ACTIVE).get()
    today = local_today(patient)

    def client_for(user) -> Client:
        client = Client(secure=True, HTTP_X_FORWARDED_PROTO="https")
        client.force_login(user)
        client.get("/")  # the session settles on the first request
        return client

    _top_up(people, today)
    provider_client = client_for(provider)
    patient_clients = [client_for(p.user) for p in people]
    clients = {"provider": provider_client, "patient": patient_clients[0]}
    pages = _pages(patient, regimen, today, quiet)
    diary_path = next(p["path"] for p in pages if p["name"] == "diary day POST")
    diary_form = form_fields(patient_clients[0].get(diary_path).content.decode(), diary_path)
    for page in pages:
        client = clients[page["role"]]
        data = diary_form if page["name"] == "diary day POST" else {}
        call = client.get if page["method"] == "GET" else client.post
        first = call(page["path"], data)
        with CaptureQueriesContext(connection) as captured:
            second = call(page["path"], data)
        page["status"] = [first.status_code, second.status_code]
        page["queries"] = len(captured)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM patients_diaryentry")
        built["diary_entries"] = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        built["postgresql"] = cursor.fetchone()[0]
    built["conn_max_age"] = connection.settings_dict["CONN_MAX_AGE"]
    result = {
        "built": built,
        "pages": pages,
        "diary_form": diary_form,
        "sessions": {
            "provider": provider_client.cookies["sessionid"].value,
            "patients": [c.cookies["sessionid"].value for c in patient_clients],
        },
        "patients_in_db": Patient.objects.count(),
    }
    print("BENCH-JSON " + json.dumps(result))


# --- Gunicorn and the HTTP client -----------------------------------------------------------


@dataclass
class Site:
    size: int
    port: int
    process: subprocess.Popen
    world: dict
    pages: dict = field(default_factory=dict)


def _env(database: str, args) -> dict:
    admin = urlsplit(args.admin_url)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": SECRET_KEY,
        "OIDC_RSA_PRIVATE_KEY": OIDC_KEY,
        "DATABASE_URL": admin._replace(path=f"/{database}").geturl(),
        "REDIS_URL": args.redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "EMAIL_HOST": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_gunicorn(size: int, env: dict) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    log = open(ROOT / "var" / f"bench-gunicorn-{size}.log", "wb")  # noqa: SIM115
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "portal.wsgi",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120",
    ]  # fmt: skip
    if (ROOT / "gunicorn.conf.py").exists():  # the web processes' own settings (access log)
        command += ["--config", str(ROOT / "gunicorn.conf.py")]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"gunicorn did not start: see var/bench-gunicorn-{size}.log"
                ) from None
            time.sleep(0.2)


CSRF = secrets.token_hex(16)  # a 32-character secret: Django accepts it as cookie and token


def request(port: int, session: str, method: str, path: str, body: dict | None = None):
    """One request on a new connection. Returns (seconds, status, bytes, body text)."""
    host = f"127.0.0.1:{port}"
    headers = {
        "Host": host,
        "Cookie": f"sessionid={session}; csrftoken={CSRF}",
        "X-Forwarded-Proto": "https",
        "Connection": "close",
    }
    payload = None
    if method == "POST":
        # The page's own token was minted for another session: use the one in the cookie.
        payload = urlencode({**(body or {}), "csrfmiddlewaretoken": CSRF}).encode()
        headers |= {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": CSRF,
            "Referer": f"https://{host}{path}",
            "Origin": f"https://{host}",
        }
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, response.status, len(data), data


def _answers(page: dict) -> bool:
    """A page the test client could load (a GET answering with a redirect is not a page)."""
    return all(_expected(page["method"], status) for status in page["status"])


def _expected(method: str, status: int) -> bool:
    return status == 200 if method == "GET" else status in (200, 302, 303)


class Bench:
    def __init__(self, sites: list[Site], redis_url: str):
        self.sites = sites
        self.pain = 0
        self.redis_url = redis_url

    def forget_rows(self) -> None:
        """Delete every kept row (the portal's fragment cache in the benchmark's Redis)."""
        client = redis.Redis.from_url(self.redis_url)
        for key in client.scan_iter(match="ldn-fragments:*", count=1000):
            client.delete(key)
        client.close()

    def call(self, site: Site, page: dict, *, patient: int = 0):
        sessions = site.world["sessions"]
        session = (
            sessions["provider"] if page["role"] == "provider" else sessions["patients"][patient]
        )
        data = None
        if page.get("forget_rows"):
            self.forget_rows()
        if page["name"] == "diary day POST":
            self.pain = (self.pain + 1) % 11
            data = {**site.world["diary_form"], "pain": str(self.pain)}
        elapsed, status, size, body = request(
            site.port, session, page["method"], page["path"], data
        )
        if not _expected(page["method"], status) or (
            page["method"] == "POST" and status == 200 and b"is-invalid" in body
        ):
            raise SystemExit(f"{page['name']} at {site.size} answered {status}")
        if page.get("forget_rows"):  # the other pages' rows, kept again, unmeasured
            for other in self.sites:
                for name in KEPT_PAGES:
                    self.call(other, other.pages[name])
        return elapsed, size

    def rounds(self, plan: list[tuple[Site, dict]], rounds: int, warmup: int) -> dict:
        """Times of each (site, page) over `rounds` interleaved rounds after `warmup`."""
        for _n in range(warmup):
            for site, page in plan:
                self.call(site, page)
        times = {(s.size, p["name"]): [] for s, p in plan}
        sizes = {(s.size, p["name"]): 0 for s, p in plan}
        for n in range(rounds):
            for site, page in plan:
                elapsed, size = self.call(site, page)
                times[(site.size, page["name"])].append(elapsed * 1000)
                sizes[(site.size, page["name"])] = size
            print(f"  round {n + 1}/{rounds} done, load {_load()}", file=sys.stderr, flush=True)
        return {"times": times, "bytes": sizes}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _ratios(times, key, yardstick) -> list[float]:
    return [t / y for t, y in zip(times[key], times[yardstick], strict=True)]


def _table(title: str, result: dict, sites: list[Site], names: list[str], yard: dict) -> None:
    print(f"\n{title}")
    print(
        f"{'page':<30} {'patients':>8} {'median ms':>10} {'p10-p90 ms':>15} "
        f"{'x cheapest':>10} {'bytes':>9} {'queries':>7}"
    )
    times = result["times"]
    for name in names:
        for site in sites:
            key = (site.size, name)
            if key not in times:
                continue
            page = site.pages[name]
            ratio = statistics.median(_ratios(times, key, (site.size, yard[page["method"]])))
            spread = f"{_percentile(times[key], 0.1):.1f}-{_percentile(times[key], 0.9):.1f}"
            print(
                f"{name:<30} {site.size:>8,} {statistics.median(times[key]):>10.1f} "
                f"{spread:>15} {ratio:>10.2f} {result['bytes'][key]:>9,} {page['queries']:>7}"
            )


def throughput(bench: Bench, site: Site, page: dict, seconds: float, concurrency: int) -> float:
    """Requests per second from `concurrency` threads, each as its own patient (the diary
    day POST saves each patient's own day), for `seconds`."""
    done, stop = [0] * concurrency, time.monotonic() + seconds
    errors = []

    def worker(i: int) -> None:
        sessions = site.world["sessions"]
        session = (
            sessions["provider"] if page["role"] == "provider" else sessions["patients"][i + 1]
        )
        form = site.world["diary_forms"][i] if page["name"] == "diary day POST" else None
        n = 0
        while time.monotonic() < stop:
            data = {**form, "pain": str(n % 11)} if form else None
            _e, status, _s, _b = request(site.port, session, page["method"], page["path"], data)
            if not _expected(page["method"], status):
                errors.append(status)
                return
            n += 1
        done[i] = n

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{page['name']} answered {errors[:3]} under load")
    return sum(done) / (time.monotonic() - started)


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _machine() -> str:
    cpu = platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = next(
        int(line.split()[1]) // 1024 // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return f"{cpu}, {os.cpu_count()} CPUs, {memory} GB, Python {platform.python_version()}"


def _prepare_site(size: int, args) -> dict:
    env = _env(f"{PREFIX}{size}", args)
    command = [sys.executable, __file__, "--prepare", str(size), "--days", str(args.days)]
    command += ["--admin-url", args.admin_url] + (["--reuse"] if args.reuse else [])
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if done.returncode or line is None:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"preparing {size} patients failed")
    world = json.loads(line.removeprefix("BENCH-JSON "))
    how = "reused" if world["built"]["reused"] else f"built in {world['built']['seconds']:.0f} s"
    print(
        f"{size:,} patients: {PREFIX}{size}, {world['built']['diary_entries']:,} diary entries "
        f"up to {world['built']['today']} ({how}); ready in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return world


def _diary_forms(site: Site) -> list[dict]:
    """Each throughput patient's own diary day form, read from the page."""
    page = site.pages["diary day POST"]
    forms = []
    for session in site.world["sessions"]["patients"][1:]:
        _e, status, _s, body = request(site.port, session, "GET", page["path"])
        if status != 200:
            raise SystemExit(f"the diary day answered {status}")
        forms.append(form_fields(body.decode(), page["path"]))
    return forms


def _stop_on_term(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")  # so that the gunicorns are stopped too


def run(args) -> None:
    signal.signal(signal.SIGTERM, _stop_on_term)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    (ROOT / "var").mkdir(exist_ok=True)
    print(f"Machine: {_machine()}; load average {_load()}", flush=True)
    first_env = _env(f"{PREFIX}{sizes[0]}", args)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=first_env,
        check=True,
    )
    sites: list[Site] = []
    try:
        for size in sizes:
            world = _prepare_site(size, args)
            process, port = _start_gunicorn(size, _env(f"{PREFIX}{size}", args))
            site = Site(size=size, port=port, process=process, world=world)
            site.pages = {p["name"]: p for p in world["pages"] if _answers(p)}
            for page in world["pages"]:
                if not _answers(page):
                    print(f"  left out {page['name']} ({page['path']}): answered {page['status']}")
            sites.append(site)
        built = sites[0].world["built"]
        print(
            f"PostgreSQL {built['postgresql']}; gunicorn 2 sync workers per size, "
            f"portal.settings.production, CONN_MAX_AGE {built['conn_max_age']} s; "
            "a new connection per request (no keep-alive)",
            flush=True,
        )
        _measure(args, sites)
    finally:
        for site in sites:
            if site.process.poll() is None:
                os.killpg(site.process.pid, signal.SIGTERM)
                site.process.wait(timeout=30)


def _measure(args, sites: list[Site]) -> None:
    bench = Bench(sites, args.redis_url)
    smallest = sites[0]
    everything = list(smallest.pages.values())
    print(
        f"\nDiscovery at {smallest.size:,} patients: {len(everything)} pages, "
        f"{args.discover_rounds} rounds; load {_load()}",
        flush=True,
    )
    found = bench.rounds([(smallest, p) for p in everything], args.discover_rounds, args.warmup)
    times = found["times"]

    def cheapest(method: str) -> str:
        candidates = [p["name"] for p in everything if p["method"] == method]
        if method == "POST":
            candidates.remove("diary day POST")
        return min(candidates, key=lambda n: statistics.median(times[(smallest.size, n)]))

    yard = {"GET": cheapest("GET"), "POST": cheapest("POST")}
    names = sorted(
        (p["name"] for p in everything),
        key=lambda n: (smallest.pages[n]["method"], statistics.median(times[(smallest.size, n)])),
    )
    _table(f"Every page at {smallest.size:,} patients", found, [smallest], names, yard)
    print(f"\nCheapest GET: {yard['GET']}; cheapest POST: {yard['POST']}")

    measured = [
        yard["GET"], yard["POST"], "provider home (triage)", "provider home (triage), rows afresh",
        "titration queue", "titration queue, rows afresh", "patient list",
        "check-ins (provider)", "invitations", "patient record", "diary timeline",
        "trends 365 days", "trends 365 days, tables kept", "diary day POST",
    ]  # fmt: skip
    measured = list(dict.fromkeys(measured))  # a yardstick may be one of the list pages
    plan = [(site, site.pages[name]) for name in measured for site in sites]
    print(f"\nMain rounds: {args.rounds} rounds over {len(plan)} pages; load {_load()}", flush=True)
    main = bench.rounds(plan, args.rounds, args.warmup)
    _table(
        f"Team sizes side by side ({args.rounds} rounds; x cheapest: GET pages against "
        f"{yard['GET']}, POSTs against {yard['POST']}, same size and round)",
        main,
        sites,
        measured,
        yard,
    )

    print(
        f"\nThroughput at concurrency {args.concurrency}, blocks of {args.throughput_seconds:.0f} s"
        f" alternating; load {_load()}"
    )
    print(f"{'patients':>8} {yard['POST']:>28} {'diary day POST':>16} {'diary / cheapest':>17}")
    for site in sites:
        site.world["diary_forms"] = _diary_forms(site)
        rates = {yard["POST"]: [], "diary day POST": []}
        for _n in range(2):
            for name in rates:
                page = site.pages[name]
                rates[name].append(
                    throughput(bench, site, page, args.throughput_seconds, args.concurrency)
                )
        cheap, diary = (statistics.mean(rates[n]) for n in (yard["POST"], "diary day POST"))
        print(f"{site.size:>8,} {cheap:>24.1f} r/s {diary:>12.1f} r/s {diary / cheap:>16.0%}")
    print(f"\nLoad average at the end: {_load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="team sizes, comma-separated")
    parser.add_argument("--days", type=int, default=365, help="diary days per patient")
    parser.add_argument("--rounds", type=int, default=15, help="measured rounds")
    parser.add_argument("--discover-rounds", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured rounds first")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--throughput-seconds", type=float, default=10.0)
    parser.add_argument("--reuse", action="store_true", help="reuse worlds built earlier")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
