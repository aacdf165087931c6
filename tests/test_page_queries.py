"""Every provider page costs the same number of queries for a care team of 25 patients as for
one of 60 (no query per patient), and that number is pinned: a page that starts reading
more shows up here before it shows up in the benchmark (bench/pages.py).

The teams are built by the benchmark's builder (bench/world.py): every patient with an
active regimen, its steps, diary days, dose logs, an open flag and a status row.
"""

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.world import build_care_team
from patients.services.medications import medication_add
from patients.services.side_effects import side_effect_report
from regimens.models import Regimen
from regimens.services.reports import regimen_request_hold
from tests.factories import ProviderFactory
from tests.patients.diary_factories import NOW, TODAY

pytestmark = pytest.mark.django_db
SMALL, LARGE = 25, 60  # 25: a second page of triage, and some wait in the titration queue
DIARY_DAYS = 40

# The page -> its queries at either size: the session, the user, the second-factor check
# (providers), the navigation's unread counts and the page's own.
PINNED = {
    "triage home": 10,
    "triage home, page 2": 10,
    "titration queue": 9,
    "titration queue: due": 9,
    "titration queue: side effects": 9,
    "titration queue: hold requests": 9,
    "titration queue: opioids": 9,
    "patient list": 8,
    "check-ins": 6,
    "invitations": 6,
    "new invitation": 5,
    "patient record": 22,
    "patient medications": 8,
    "diary review": 16,
    "trends, 90 days": 15,
    "trends, 365 days": 15,
    "regimen": 22,
    "report a side effect": 10,
    "start a regimen": 12,
    "book a check-in": 7,
    "planned pauses": 12,
    "notifications": 6,
}


def _pages(patient, regimen) -> dict[str, str]:
    pk = patient.pk
    queue = reverse("titration_queue")
    trends = reverse("patient_trends", args=[pk])
    return {
        "triage home": reverse("provider_home"),
        "triage home, page 2": reverse("provider_home") + "?page=2",
        "titration queue": queue,
        "titration queue: due": queue + "?show=due",
        "titration queue: side effects": queue + "?show=side_effects",
        "titration queue: hold requests": queue + "?show=hold",
        "titration queue: opioids": queue + "?show=opioids",
        "patient list": reverse("patient_list"),
        "check-ins": reverse("provider_checkins"),
        "invitations": reverse("invitation_list"),
        "new invitation": reverse("invitation_new"),
        "patient record": reverse("patient_record", args=[pk]),
        "patient medications": reverse("patient_medication_list", args=[pk]),
        "diary review": reverse("patient_diary", args=[pk]),
        "trends, 90 days": trends,
        "trends, 365 days": trends + "?days=365",
        "regimen": reverse("regimen_detail", args=[pk, regimen.pk]),
        "report a side effect": reverse("regimen_side_effect", args=[pk, regimen.pk]),
        "start a regimen": reverse("regimen_start", args=[pk]),
        "book a check-in": reverse("checkin_book", args=[pk]),
        "planned pauses": reverse("patient_pause_plans", args=[pk]),
        "notifications": reverse("notification_inbox"),
    }


def _every_filter_has_a_row(patients, provider) -> None:
    """A side effect, a hold request and an opioid in the small team already, so that every
    filter of the titration queue lists someone at both sizes."""
    regimens = [Regimen.objects.get(patient=p, status=Regimen.Status.ACTIVE) for p in patients]
    held = next(r for r in regimens if r.next_step is not None)
    sore, opioid = [r for r in regimens if r != held][:2]
    regimen_request_hold(regimen=held, requested_by=held.patient.user, now=NOW)
    side_effect_report(
        regimen=sore, on=TODAY, kind="nausea", severity=2, entered_by=provider, now=NOW
    )
    medication_add(
        patient=opioid.patient, name="Tramadol 50 mg", added_by=opioid.patient.user, now=NOW
    )


def _counts(browser: Client, patient, regimen) -> dict[str, int]:
    counts = {}
    for name, path in _pages(patient, regimen).items():
        assert browser.get(path).status_code == 200, name
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(path)
        assert response.status_code == 200, name
        counts[name] = len(captured)
    return counts


def test_every_provider_page_runs_the_same_pinned_queries_for_a_small_and_a_large_team():
    """The same patient's pages are read with a team of SMALL, then of LARGE patients."""
    with time_machine.travel(NOW, tick=False):
        provider = ProviderFactory()
        world = build_care_team(
            provider=provider, patients=SMALL, diary_days=DIARY_DAYS, today=TODAY, prefix="small"
        )
        patient = world.patients[0]
        regimen = Regimen.objects.get(patient=patient, status=Regimen.Status.ACTIVE)
        _every_filter_has_a_row(world.patients[1:], provider)
        browser = Client()
        browser.force_login(provider)
        browser.get("/")  # the session settles on the first request after logging in
        small = _counts(browser, patient, regimen)
        build_care_team(
            provider=provider,
            patients=LARGE - SMALL,
            diary_days=DIARY_DAYS,
            today=TODAY,
            prefix="large",
            seed=7,
        )
        large = _counts(browser, patient, regimen)

    assert small == large
    assert small == PINNED
