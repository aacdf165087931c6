"""Fuzzing every form of the portal, as each role, through the test client with CSRF checks on.

For each role (patient, provider, admin, and a caregiver holding every permission for the
world's patient) the test builds the access matrix's world, finds every
project URL that accepts a POST (every URL name in the URLconf is tried: a new form is fuzzed
without being listed here), and posts generated values to it: the form's valid data with one or
more fields replaced by hostile values (huge and negative numbers, ids no row can have,
overlong strings, unicode, NUL characters, dates at the calendar's edges, malformed `next`),
plus the fields the page's own form shows. The CSRF token is the one the form's page gives.

Each request must answer below 500, and a refused one (4xx, or the form shown again with its
errors) must leave every table of the portal exactly as it was (snapshot before and after).
Each URL's posts run in a savepoint that is rolled back, so every URL starts from the same
world.

Budget: LDN_FUZZ_EXAMPLES generated posts per URL and role (3 in `make test`; `make fuzz`
runs many more and prints the numbers).
"""

import os
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import messages
from django.db import transaction
from django.forms import BaseForm
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from patients.models import CaregiverGrant
from tests.factories import CaregiverFactory
from tests.test_access_matrix import CAREGIVERS, MATRIX, OK, World, _grant, _project_url_names

EXAMPLES = int(os.environ.get("LDN_FUZZ_EXAMPLES", "3"))
VERBOSE = os.environ.get("LDN_FUZZ_VERBOSE") == "1"
ROLES = ("patient", "provider", "admin", "caregiver")

# Every table a form could write, except what a page view itself records (a refused form is
# still a page someone viewed): the audit trail of reads, a conversation's read time for the
# reader, and the cached status row a page view may bring up to date.
UNWATCHED = {
    ("audit", "accessevent"),
    ("messaging", "readmark"),
    ("patients", "patientstatus"),
}
WATCHED_APPS = (
    "patients",
    "regimens",
    "accounts",
    "notifications",
    "content",
    "messaging",
    "interop",
    "core",
    "oauth2_provider",
)

HUGE = [
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "-1",
    "0",
    "-0",
    "99999999999999999999999999999999",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "0x10",
    "1_000",
    "١٢",  # Arabic-Indic digits
    "１２",  # full-width digits
    "1.5",
    "abc",
]
DATES = [
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "0000-00-00",
    "2026-02-30",
    "2026-13-01",
    "1899-12-31",
    "3000-01-01",
    "9999-12-31T23:59",
    "-2026-01-01",
]
TIMES = ["23:59", "00:00", "24:00", "99:99", "23:59:60", "-1:00", "12:00 pm", "25"]
NEXTS = ["undefined", "//evil.example", "/\\evil.example", "https://evil.example/", "javascript:x"]
STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "🙂" * 300,
    "x" * 10_001,
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǵ̸̢o̹̺",
    "%s%n{0}",
    "..%2F..%2Fetc%2Fpasswd",
]

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200)
hostile_value = st.one_of(
    st.sampled_from(HUGE + DATES + TIMES + NEXTS + STRINGS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    text,
)


class FormFinder(HTMLParser):
    """The POST forms of a page: their action, field names and CSRF token."""

    def __init__(self):
        super().__init__()
        self.forms, self.current, self.token = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.current = {"action": attrs.get("action") or "", "fields": set()}
            self.forms.append(self.current)
        elif tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            if attrs["name"] == "csrfmiddlewaretoken":
                self.token = attrs.get("value")
            elif self.current is not None:
                self.current["fields"].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def _parse(response):
    finder = FormFinder()
    finder.feed(response.content.decode(errors="replace"))
    return finder


def _url_name(path, page):
    try:
        return resolve((path or page).split("?")[0]).url_name
    except Resolver404:
        return None


def _watched_models():
    return [
        model
        for label in WATCHED_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if (model._meta.app_label, model._meta.model_name) not in UNWATCHED
    ]


def _row(values) -> str:
    # A binary column reads back as a fresh memoryview each time: compare its bytes.
    return repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in values))


def snapshot():
    """Row counts and contents of every table a form could write."""
    return {
        model._meta.label: sorted(map(_row, model.objects.values_list()))
        for model in _watched_models()
    }


def _refused(response) -> bool:
    if 400 <= response.status_code < 500:
        return True
    if response.status_code in (301, 302, 303):
        # Some pages go back where they came from with the refusal as an error message.
        queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
        return any(message.level >= messages.ERROR for message in queued)
    if response.status_code == 200 and response.context is not None:
        for context in response.context:
            for value in context.flatten().values():
                if isinstance(value, BaseForm) and value.is_bound and value.errors:
                    return True
    return False


def _allowed(table, role) -> bool:
    """Whether `role` may use a URL with this access table. The caregiver holds every
    permission: what any of the matrix's one-permission caregivers may use."""
    if role == "caregiver":
        return any(table.get(viewer) == OK for viewer in CAREGIVERS)
    return table.get(role) == OK


def _user(world, role):
    if role == "caregiver":
        caregiver = CaregiverFactory(email="every.permission@carers.example.org")
        _grant(world.patient, caregiver, CaregiverGrant.Permission.values)
        return caregiver
    return world.users[role]


def _targets(role) -> list[str]:
    """The URLs fuzzed for `role`: every URL that takes a POST; for the caregiver, those a
    caregiver may post to."""
    names = [name for name in sorted(_project_url_names()) if _accepts_post(name)]
    if role == "caregiver":
        names = [name for name in names if _allowed(MATRIX[name].methods["POST"], role)]
    return names


def _crawl(client, world, role):
    """GET every page the role may open; the POST forms found, by the URL name they post to:
    their fields, and the page that shows them (where the CSRF token comes from)."""
    found = {}
    for entry in MATRIX.values():
        if not _allowed(entry.methods.get("GET", {}), role):
            continue
        page = entry.url(world)
        response = client.get(page)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for form in _parse(response).forms:
            target = _url_name(form["action"], page)
            if target:
                seen = found.setdefault(target, {"fields": set(), "page": page})
                seen["fields"] |= form["fields"]
    return found


def _accepts_post(name) -> bool:
    """Whether the URL takes a POST for anyone (per the access matrix, which lists every URL)."""
    table = MATRIX[name].methods.get("POST")
    return bool(table) and any(outcome != 405 for outcome in table.values())


def _fuzz_url(client, world, role, name, form, counts):
    entry = MATRIX[name]
    url = entry.url(world)
    baseline = dict(entry.data(world)) if entry.data else {}
    fields = sorted(set(baseline) | form.get("fields", set()) | {"next"})
    page = form.get("page") or (url if _allowed(entry.methods.get("GET", {}), role) else "/")
    token = _parse(client.get(page)).token or _parse(client.get("/account/")).token
    assert token, f"no CSRF token for {name} on {page}"

    # The valid post passes the CSRF check (else every hostile post would be refused by it).
    probe = client.post(url, {**baseline, "csrfmiddlewaretoken": token})
    assert not (probe.status_code == 403 and b"CSRF" in probe.content), name
    assert probe.status_code < 500, (name, probe.status_code)
    counts["requests"] += 1

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def post(data):
        chosen = data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True))
        values = dict(baseline)
        for field in chosen:
            values[field] = data.draw(
                st.one_of(hostile_value, st.lists(hostile_value, min_size=2, max_size=3))
            )
        before = snapshot()
        response = client.post(url, {**values, "csrfmiddlewaretoken": token})
        counts["requests"] += 1
        counts[name] += 1
        assert response.status_code < 500, (name, role, values, response.status_code)
        if _refused(response):
            counts["refused"] += 1
            assert snapshot() == before, (name, role, values, "a refused post changed data")

    post()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_hostile_posts_to_every_form_never_fail_and_refusals_change_nothing(role):
    world = World()
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(_user(world, role))
    forms = _crawl(client, world, role)
    targets = _targets(role)

    # Every form a page shows posts to a URL that is fuzzed here.
    assert set(forms) & _project_url_names() <= set(targets), set(forms) - set(targets)

    counts, failures = Counter(), []
    for name in targets:
        try:
            with transaction.atomic():
                _fuzz_url(client, world, role, name, forms.get(name, {}), counts)
                transaction.set_rollback(True)
        except Exception as error:  # every URL is tried; all failures are reported
            failures.append(f"{name}: {type(error).__name__}: {error}")
        if VERBOSE:
            print(f"fuzz {role} {name}: {counts[name]} posts", flush=True)
    per_url = {name: counts[name] for name in targets}
    print(
        f"\nfuzz {role}: {len(targets)} URLs, {counts['requests']} requests, "
        f"{counts['refused']} refused, examples per URL {min(per_url.values())}"
        f"-{max(per_url.values())}, failures {len(failures)}"
    )
    assert not failures, "\n".join(failures)


def test_every_url_that_takes_a_post_is_fuzzed():
    """The targets come from the URLconf through the access matrix, which has an entry for
    every project URL (tests/test_access_matrix.py fails otherwise)."""
    names = _project_url_names()
    assert names <= MATRIX.keys()
    takes_post = {name for name in names if _accepts_post(name)}
    assert {"profile", "diary_morning", "patient_review", "checkin_book"} <= takes_post
