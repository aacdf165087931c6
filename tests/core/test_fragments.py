"""The care team's lists and the trends tables are kept rendered (portal.lib.fragments): a page
built from kept rows is the page rendered afresh, a change to a patient shows on the next view,
each reader gets rows in their own language, and the page is answered when the cache cannot be
reached."""

import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from bench.world import build_care_team
from messaging.services.conversations import conversation_start
from patients.models import Flag
from patients.services.diary import diary_entry_save
from patients.services.medications import medication_add
from patients.services.profile import care_team_add
from patients.services.side_effects import side_effect_report
from portal.lib.fragments import FRAGMENT_CACHE, fingerprint
from regimens.models import Regimen
from regimens.services.reports import regimen_request_hold
from tests.caches import clear_cache
from tests.factories import ProviderFactory
from tests.patients.diary_factories import NOW, TODAY

pytestmark = pytest.mark.django_db
TRIAGE_ROW = "patients/review/triage_row.html"
QUEUE_ROW = "regimens/partials/titration_queue_row.html"
TIMELINE_ROW = "patients/diary/partials/timeline_row.html"
HOME = reverse("provider_home")
QUEUE = reverse("titration_queue")
PAGES = {
    HOME: TRIAGE_ROW,
    HOME + "?page=2": TRIAGE_ROW,
    QUEUE: QUEUE_ROW,
    QUEUE + "?show=side_effects": QUEUE_ROW,
    QUEUE + "?show=hold": QUEUE_ROW,
    QUEUE + "?show=opioids": QUEUE_ROW,
}
# Django masks the CSRF token afresh for every response.
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def forget_rows():
    clear_cache(FRAGMENT_CACHE)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        forget_rows()
        yield
        forget_rows()


@pytest.fixture
def team():
    """A care team of 25 with every kind of row: flags (one acknowledged), a side effect, a
    hold request, an opioid on the list, a message waiting for a reply."""
    provider = ProviderFactory(name="Ada Provider")
    world = build_care_team(
        provider=provider, patients=25, diary_days=10, today=TODAY, prefix="rows"
    )
    patients = world.patients
    regimens = [Regimen.objects.get(patient=p, status=Regimen.Status.ACTIVE) for p in patients]
    held = next(r for r in regimens if r.next_step is not None)
    regimen_request_hold(regimen=held, requested_by=held.patient.user, now=NOW)
    side_effect_report(
        regimen=regimens[2], on=TODAY, kind="nausea", severity=2, entered_by=provider, now=NOW
    )
    medication_add(patient=patients[3], name="Tramadol 50 mg", added_by=provider, now=NOW)
    conversation_start(
        patient=patients[4],
        started_by=patients[4].user,
        subject="Sleep",
        topic="dose",
        body="I wake at 3 every night since the last step.",
        now=NOW,
    )
    flag = Flag.objects.filter(patient=patients[5], resolved_at__isnull=True).first()
    flag.acknowledged_at, flag.acknowledged_by = NOW, provider
    flag.save()
    return provider, patients


def browser_for(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def get(browser: Client, path: str):
    response = browser.get(path)
    assert response.status_code == 200
    rendered = {template.name for template in response.templates}
    return TOKEN.sub("", response.content.decode()), rendered


def test_a_page_of_kept_rows_is_the_page_rendered_afresh(team):
    provider, _ = team
    browser = browser_for(provider)
    browser.get("/")
    for path, row_template in PAGES.items():
        forget_rows()
        fresh, rendered_fresh = get(browser, path)
        kept, rendered_kept = get(browser, path)
        uncached = _uncached(browser, path)

        assert row_template in rendered_fresh, path  # the first view renders the rows
        assert row_template not in rendered_kept, path  # the second takes them as kept
        assert kept == fresh == uncached, path
    assert "acknowledged by Ada Provider" in get(browser, HOME)[0]
    assert "Message waiting for reply" in get(browser, HOME)[0]


def test_a_change_to_a_patient_shows_on_the_next_view(team):
    provider, patients = team
    browser = browser_for(provider)
    get(browser, HOME)
    get(browser, QUEUE)
    patient = patients[0]
    # An opioid on the list, then the patient's open flags marked reviewed through the page's
    # own form: the opioid's flag stays open, acknowledged; the others close.
    medication_add(patient=patient, name="Oxycodone 5 mg", added_by=provider, now=NOW)
    flags = Flag.objects.filter(patient=patient, resolved_at__isnull=True)
    closing = [flag.reason for flag in flags if flag.kind != "opioid"]
    browser.post(
        reverse("patient_review", args=[patient.pk]),
        {"flags": [flag.pk for flag in flags], "note": "", "next": HOME},
    )
    patient.user.name = "Renamed Person"
    patient.user.save()

    home, rendered = get(browser, HOME)
    queue, _ = get(browser, QUEUE + "?show=opioids")

    assert TRIAGE_ROW in rendered
    assert "Renamed Person" in home and "Renamed Person" in queue
    row = home[home.index(f'data-triage-patient="{patient.pk}"') :]
    row = row[: row.index('class="list-group-item')]
    assert "acknowledged by Ada Provider" in row
    assert 'data-opioid-status="active"' in row
    assert closing and not any(reason in row for reason in closing)
    assert f'data-queue-patient="{patient.pk}"' in queue


def test_each_reader_gets_the_rows_in_their_own_language(team):
    provider, patients = team
    colleague = ProviderFactory(language="es")
    for patient in patients:
        care_team_add(patient=patient, provider=colleague, added_by=provider)
    english, _ = get(browser_for(provider), HOME)
    spanish, rendered = get(browser_for(colleague), HOME)

    assert TRIAGE_ROW in rendered  # kept in English, rendered again in Spanish
    assert "Last diary entry" in english and "Última anotación del diario" in spanish
    assert "Last diary entry" not in spanish


def test_the_page_is_answered_when_the_cache_cannot_be_reached(team, caplog):
    provider, patients = team
    unreachable = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
    }
    browser = browser_for(provider)
    expected, _ = get(browser, HOME)
    forget_rows()
    with override_settings(CACHES=_with_fragments(unreachable)):
        home, rendered = get(browser, HOME)
        queue, _ = get(browser, QUEUE)

    assert home == expected and TRIAGE_ROW in rendered
    assert 'data-queue-patient="' in queue
    assert "fragment cache unavailable" in caplog.text
    assert patients[0].user.name not in caplog.text


def _write_today(patient, **effects):
    """The patient writes today's diary day: pain 9, fatigue 1, sleep 2, mood 3, `effects`."""
    values = {"pain": 9, "fatigue": 1, "sleep_quality": 2, "mood": 3, **effects}
    diary_entry_save(
        patient=patient, day=TODAY, entered_by=patient.user, today=TODAY, values=values, now=NOW
    )


def _uncached(browser: Client, path: str) -> str:
    """The page rendered with nothing kept."""
    with override_settings(CACHES=_with_fragments({"BACKEND": DUMMY})):
        return get(browser, path)[0]


def test_the_trends_tables_are_kept_under_their_days(team):
    """A year of trends: the two daily tables from the cache are the tables rendered afresh,
    and a day written since shows on the next view."""
    provider, patients = team
    patient = patients[6]
    browser = browser_for(provider)
    url = reverse("patient_trends", args=[patient.pk]) + "?days=365"
    fresh, _ = get(browser, url)
    kept, _ = get(browser, url)
    _write_today(patient, nausea=3)
    changed, _ = get(browser, url)
    uncached = _uncached(browser, url)

    assert kept == fresh
    assert changed == uncached != kept
    today = changed[changed.index('data-testid="scores-table"') :]
    assert "<td>9</td><td>1</td><td>2</td><td>3</td>" in today
    assert "Nausea: severe" in changed


def test_the_diary_timeline_is_kept_by_day_and_by_reader(team):
    """The timeline's days from the cache are the days rendered afresh; a day written since
    shows on the next view; the patient's own rows (with their links to change a day) are
    never the care team's."""
    provider, patients = team
    patient = patients[7]
    browser, own = browser_for(provider), browser_for(patient.user)
    url = reverse("patient_diary", args=[patient.pk])
    edit = reverse("diary_entry", kwargs={"day": TODAY})
    fresh, rendered_fresh = get(browser, url)
    kept, rendered_kept = get(browser, url)
    mine, _ = get(own, reverse("diary"))
    _write_today(patient, headache=3)
    changed, _ = get(browser, url)
    uncached = _uncached(browser, url)

    assert TIMELINE_ROW in rendered_fresh and TIMELINE_ROW not in rendered_kept
    assert kept == fresh
    assert changed == uncached != kept
    assert "Headache: severe" in changed and "Headache: severe" not in kept
    assert f'href="{edit}"' in mine and f'href="{edit}"' not in changed


def test_a_row_is_kept_under_every_stored_field_it_shows(team):
    """Any stored field of a row's models changes its key, whichever field it is."""
    _, patients = team
    status = patients[0].status
    before = fingerprint(status)
    for field in status._meta.concrete_fields:
        if field.primary_key:
            continue
        value = getattr(status, field.attname)
        setattr(status, field.attname, object())
        assert fingerprint(status) != before, field.name
        setattr(status, field.attname, value)
    assert fingerprint(status) == before


def test_row_templates_read_nothing_of_the_viewer():
    """Rows are shared between readers: their templates are rendered without the request and
    must not reach for it, the user, or a CSRF token."""
    for name in (TRIAGE_ROW, QUEUE_ROW, TIMELINE_ROW):
        source = (Path(settings.BASE_DIR) / "templates" / name).read_text()
        for word in (r"\brequest\b", r"csrf", r"(?<![.\w])user\b", r"\bperms\b"):
            assert not re.search(word, source), (name, word)


DUMMY = "django.core.cache.backends.dummy.DummyCache"


def _with_fragments(backend: dict) -> dict:
    return {**settings.CACHES, FRAGMENT_CACHE: backend}
