"""Regimen journeys: a provider starts and steers a regimen, the patient follows it.

The provider and the patient each have their own browser context, so both stay logged in
(a second login would reuse the same TOTP code, which allauth refuses). Every page either
of them visits is checked with axe-core.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from patients.services.profile import care_team_add
from portal.lib.timing import local_today
from portal.notifications.models import Notification
from regimens import safety
from regimens.models import Protocol, Regimen
from regimens.services.reports import dose_log_mark
from regimens.services.start import regimen_start
from tests.e2e.helpers import log_in
from tests.factories import TEST_TOTP_SECRET, PatientUserFactory, ProviderFactory
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.e2e


@pytest.fixture
def cast(db):
    ensure_protocols()  # an earlier journey's flush removed the seeded rows
    provider = ProviderFactory(email="doc@example.org", name="Dana Doc")
    patient_user = PatientUserFactory(email="pat@example.org", name="Pat Lee")
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    return provider, patient_user.patient


@pytest.fixture
def patient_page(browser, live_server):
    """A second browser, for the patient."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _log_in_provider(page):
    log_in(page, "doc@example.org", totp_secret=TEST_TOTP_SECRET)
    page.wait_for_url("**/provider/")


def _log_in_patient(page):
    log_in(page, "pat@example.org")
    page.wait_for_url("**/patient/")


def _day(value):
    return date_format(value, "j M Y")


def test_a_provider_starts_a_liquid_regimen_and_steps_it_up_and_the_patient_follows(
    page, patient_page, axe_check, cast
):
    provider, patient = cast
    today = local_today(patient)

    # The provider starts 1 mg + 1 mg weekly with a 1 mg/mL liquid, 14 days back.
    _log_in_provider(page)
    page.goto(f"/patients/{patient.pk}/regimen/start/")
    axe_check(page)
    page.get_by_label("1 mg, plus 1 mg weekly to 4.5 mg").check()
    page.get_by_label("Liquid", exact=True).check()
    page.get_by_label("Concentration (mg per mL)").fill("1")
    page.get_by_label("Start date").fill((today - timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Start the regimen").click()
    page.wait_for_url("**/regimens/*/")
    expect(page.get_by_text("The regimen is started and its steps are planned.")).to_be_visible()
    axe_check(page)
    # The patient took every dose of the 14 days before (a step up needs them: §3.7).
    regimen = Regimen.objects.get(patient=patient)
    for ago in range(14, 0, -1):
        dose_log_mark(
            regimen=regimen,
            on=today - timedelta(days=ago),
            status="taken",
            recorded_by=patient.user,
        )

    # The patient sees tonight's dose in mL and marks it taken.
    _log_in_patient(patient_page)
    patient_page.goto("/tonight/")
    expect(patient_page.locator("[data-dose]")).to_have_text("1 mg: 1.0 mL of your 1 mg/mL liquid")
    axe_check(patient_page)
    patient_page.get_by_role("button", name="I took it").click()
    expect(patient_page.get_by_text("You marked today's dose: taken.")).to_be_visible()
    axe_check(patient_page)

    # The step is due: the provider steps up from the queue.
    page.goto("/provider/titration/")
    expect(page.get_by_text("Step due", exact=True)).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Step up to 2 mg").click()
    page.wait_for_url("**/decide/advance/")
    expect(page.get_by_label("New dose (mg)")).to_have_value("2")
    axe_check(page)
    page.get_by_role("button", name="Step up", exact=True).click()
    page.wait_for_url("**/regimens/*/")
    expect(page.get_by_text("Decision saved: Step up.")).to_be_visible()
    axe_check(page)
    page.goto("/provider/titration/")
    expect(page.get_by_text("No titration decisions are waiting.")).to_be_visible()

    # The patient sees the new dose.
    patient_page.reload()
    expect(patient_page.locator("[data-dose]")).to_have_text("2 mg: 2.0 mL of your 1 mg/mL liquid")
    axe_check(patient_page)


def test_a_provider_holds_a_step_and_the_patient_sees_the_new_date(
    page, patient_page, axe_check, cast
):
    provider, patient = cast
    today = local_today(patient)
    regimen = regimen_start(
        patient=patient,
        protocol=Protocol.objects.get(family="ldnrt-1-mg-weekly", retired_at__isnull=True),
        formulation=safety.Formulation(kind="liquid", concentration_mg_per_ml=Decimal("1")),
        dose_time="bedtime",
        start_on=today - timedelta(days=3),
        started_by=provider,
        today=today,
    )
    first_date = today + timedelta(days=4)
    held_to = today + timedelta(days=10)

    _log_in_patient(patient_page)
    patient_page.goto("/tonight/")
    expect(patient_page.locator("[data-next-step]")).to_contain_text(f"From {_day(first_date)}")

    # The provider holds the next step to a later date from the regimen page.
    _log_in_provider(page)
    page.goto(f"/patients/{patient.pk}/regimens/{regimen.pk}/")
    axe_check(page)
    page.get_by_role("link", name="Hold", exact=True).click()
    page.wait_for_url("**/decide/hold/")
    axe_check(page)
    page.get_by_label("Next step on").fill(held_to.isoformat())
    page.get_by_label("Reason").select_option("side_effects")
    page.get_by_label("Note (optional)").fill("Let the headaches settle first.")
    page.get_by_role("button", name="Hold", exact=True).click()
    page.wait_for_url("**/regimens/*/")
    expect(page.get_by_text(f"the next step moves to {_day(held_to)}")).to_be_visible()
    axe_check(page)

    # The patient sees the new date and why in the plan history.
    patient_page.reload()
    expect(patient_page.locator("[data-next-step]")).to_contain_text(
        f"From {_day(held_to)}: 2 mg: 2.0 mL of your 1 mg/mL liquid."
    )
    expect(patient_page.get_by_text("Let the headaches settle first.")).to_be_visible()
    axe_check(patient_page)

    # The patient adds the plan to their calendar.
    patient_page.get_by_role("link", name="Add your dose changes to your calendar").click()
    patient_page.wait_for_url("**/tonight/calendar/")
    axe_check(patient_page)
    patient_page.get_by_role("button", name="Create my calendar address").click()
    expect(patient_page.get_by_label("Your private calendar address")).to_have_value(
        re.compile(r"/calendar/[A-Za-z0-9_-]{43}\.ics$")
    )
    axe_check(patient_page)


def test_a_severe_side_effect_reported_on_tonight_is_urgent_for_the_care_team_at_once(
    page, patient_page, axe_check, cast
):
    provider, patient = cast
    today = local_today(patient)
    regimen_start(
        patient=patient,
        protocol=Protocol.objects.get(family="ldnrt-1-mg-weekly", retired_at__isnull=True),
        formulation=safety.Formulation(kind="liquid", concentration_mg_per_ml=Decimal("1")),
        dose_time="bedtime",
        start_on=today - timedelta(days=3),
        started_by=provider,
        today=today,
    )

    # The patient reports a severe headache from Tonight, not the diary.
    _log_in_patient(patient_page)
    patient_page.goto("/tonight/")
    form = patient_page.locator("form[action='/tonight/side-effect/']")
    form.get_by_label("Headache").check()
    form.get_by_label("Severe: hard to bear").check()
    form.get_by_role("button", name="Send to my care team").click()
    patient_page.wait_for_url("**/tonight/")
    expect(patient_page.get_by_text("Thank you. Your care team will see it.")).to_be_visible()
    axe_check(patient_page)

    # The safety notice to the care team is planned at once ...
    notice = Notification.objects.get(recipient=provider, kind="safety", channel="in_app")
    assert notice.status == "pending" and notice.due_at <= timezone.now()

    # ... and the provider's triage already has the urgent flag, from Tonight.
    _log_in_provider(page)
    row = page.locator("[data-triage-patient]").first
    expect(row).to_contain_text("Pat Lee")
    expect(row.get_by_text("Urgent")).to_be_visible()
    expect(row).to_contain_text(
        f"Severe headache on {_day(today)} (reported on Tonight): consider holding or stepping "
        "back the dose."
    )
    axe_check(page)
