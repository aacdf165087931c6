"""Diary journeys: a patient keeps the diary and reads their trends; a severe side effect
reaches the top of the provider's triage queue, is reviewed, and steers the titration
engine; a patient who reports insomnia finds the sleep article.

The patient and the provider each have their own browser context. Every page is checked
with axe-core; the diary form, trends and triage are also shown at 390 px wide (a phone),
saved under tests/e2e/artifacts/ and checked for horizontal scrolling.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from patients.services.flags import flags_evaluate
from patients.services.profile import care_team_add
from portal.lib.timing import local_today
from regimens.models import Protocol
from regimens.services.decisions import regimen_advance
from regimens.services.start import regimen_start
from tests.content.factories import content
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import log_in
from tests.factories import TEST_TOTP_SECRET, PatientUserFactory, ProviderFactory
from tests.patients.diary_factories import LIQUID, WEEKLY, DiaryEntryFactory
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def cast(db):
    ensure_protocols()  # an earlier journey's flush removed the seeded rows
    provider = ProviderFactory(email="doc@example.org", name="Dana Doc")
    patient = PatientUserFactory(email="pat@example.org", name="Pat Lee").patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    return provider, patient


@pytest.fixture
def patient_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _start(patient, provider, *, days_ago, steps=()):
    """1 mg + 1 mg weekly, started `days_ago` days back, stepped up on the given days back."""
    today = local_today(patient)
    regimen = regimen_start(
        patient=patient,
        protocol=Protocol.objects.get(family=WEEKLY, retired_at__isnull=True),
        formulation=LIQUID,
        dose_time="bedtime",
        start_on=today - timedelta(days=days_ago),
        started_by=provider,
        today=today,
    )
    for ago, dose in steps:
        regimen_advance(
            regimen=regimen,
            dose_mg=Decimal(dose),
            decided_by=provider,
            reason="tolerating_well",
            today=today - timedelta(days=ago),
        )
    return regimen


def _phone_check(page, name):
    """The page as a phone loads it, 390 px wide: a screenshot for people, and no sideways
    scrolling. Reloaded at that width, as a phone would (charts size themselves on load)."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-390.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(size)
    page.reload()
    assert width <= PHONE["width"], f"{name} scrolls sideways at 390 px ({width} px wide)"


def test_a_patient_keeps_the_diary_and_sees_the_trend_with_the_dose_steps(
    patient_page, axe_check, cast
):
    provider, patient = cast
    today = local_today(patient)
    _start(patient, provider, days_ago=16, steps=[(9, 2), (2, 3)])
    for n in range(1, 21):
        DiaryEntryFactory(patient=patient, local_date=today - timedelta(days=n), pain=6 - n % 3)
    page = patient_page

    # The morning check-in: two taps on the home page.
    log_in(page, "pat@example.org")
    page.wait_for_url("**/patient/")
    axe_check(page)
    page.get_by_role("button", name="Poorly").click()
    expect(page.get_by_text("Dreams?")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Vivid").click()
    expect(
        page.get_by_text("Thank you: last night's sleep and dreams are in today's diary.")
    ).to_be_visible()
    axe_check(page)

    # Today's diary: the check-in's answers are already in it.
    page.get_by_role("link", name="Add the rest of today's diary").click()
    page.wait_for_url(f"**/diary/{today.isoformat()}/")
    expect(page.locator("#id_sleep_quality_2")).to_be_checked()
    axe_check(page)
    _phone_check(page, "diary-form")
    page.get_by_text("I took it", exact=True).click()
    page.get_by_text("Add a note (optional)").click()
    page.get_by_label("Notes (optional)").fill("Stiff in the morning")
    page.locator("label[for=id_pain_4]").click()
    page.locator("label[for=id_fatigue_5]").click()
    axe_check(page)
    page.get_by_role("button", name="Save the diary").click()
    page.wait_for_url("**/diary/")
    expect(page.get_by_text(f"Your diary for {today:%-d %b} is saved.")).to_be_visible()
    axe_check(page)

    # Trends: the chart with the dose steps, and the same data in a table.
    page.get_by_role("link", name="My trends").first.click()
    page.wait_for_url("**/diary/trends/")
    expect(page.locator("canvas#chart-pain")).to_be_attached()
    page.wait_for_function("window.Chart && Chart.getChart(document.querySelector('#chart-pain'))")
    table = page.get_by_test_id("scores-table")
    expect(table.get_by_role("columnheader", name="Dose (mg)")).to_be_visible()
    doses = {text.split()[0] for text in table.locator("tbody td:nth-child(2)").all_inner_texts()}
    assert {"1", "2", "3"} <= doses
    axe_check(page)
    _phone_check(page, "trends")
    page.get_by_role("link", name="30 days").click()
    page.wait_for_url("**/diary/trends/?days=30")
    axe_check(page)


def test_a_severe_headache_tops_the_triage_queue_is_reviewed_and_steers_the_engine(
    page, patient_page, axe_check, cast
):
    provider, patient = cast
    today = local_today(patient)
    _start(patient, provider, days_ago=10, steps=[(3, 2)])
    # Two others on the team: a due step, and a diary gone quiet.
    due = PatientUserFactory(email="due@example.org", name="Alex Due").patient
    care_team_add(patient=due, provider=provider, added_by=provider)
    _start(due, provider, days_ago=8)
    quiet = PatientUserFactory(email="quiet@example.org", name="Abe Quiet").patient
    care_team_add(patient=quiet, provider=provider, added_by=provider)
    DiaryEntryFactory(patient=quiet, local_date=today - timedelta(days=12))
    flags_evaluate(patient=quiet, today=today)

    # The patient writes a severe headache.
    log_in(patient_page, "pat@example.org")
    patient_page.wait_for_url("**/patient/")
    patient_page.goto("/diary/today/")
    patient_page.get_by_role("radiogroup", name="Headache").get_by_label("Severe").check()
    patient_page.get_by_role("button", name="Save the diary").click()
    patient_page.wait_for_url("**/diary/")
    axe_check(patient_page)

    # The provider sees it at the top of the triage queue.
    log_in(page, "doc@example.org", totp_secret=TEST_TOTP_SECRET)
    page.wait_for_url("**/provider/")
    first = page.locator("[data-triage-patient]").first
    expect(first).to_contain_text("Pat Lee")
    expect(first).to_contain_text("Severe headache on")
    expect(first.get_by_text("Urgent")).to_be_visible()
    expect(page.locator("[data-triage-patient]")).to_have_count(3)
    axe_check(page)
    _phone_check(page, "triage")

    # ... marks it reviewed with a note ...
    first.get_by_label("Review note (optional)").fill("Phoned: taking paracetamol, resting.")
    first.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_text("Pat Lee is marked reviewed; 1 flag closed.")).to_be_visible()
    axe_check(page)

    # ... and the titration queue recommends a step back for Pat.
    page.goto("/provider/titration/")
    item = page.locator(f"[data-queue-patient='{patient.pk}']")
    expect(item.get_by_text("Step back recommended")).to_be_visible()
    expect(item.get_by_role("link", name="Step back to 1 mg")).to_be_visible()
    axe_check(page)

    # The review is on the record, with the flag it closed.
    page.goto(f"/patients/{patient.pk}/")
    expect(page.get_by_test_id("reviews")).to_contain_text("Phoned: taking paracetamol, resting.")
    axe_check(page)
    page.get_by_role("link", name="Trends").first.click()
    page.wait_for_url(f"**/patients/{patient.pk}/trends/")
    expect(page.locator("canvas#chart-effects")).to_be_attached()
    axe_check(page)
    page.goto(f"/patients/{patient.pk}/diary/")
    expect(page.get_by_test_id("diary-timeline")).to_contain_text("Headache: severe")
    axe_check(page)


def test_a_patient_who_reports_insomnia_finds_the_sleep_article(patient_page, axe_check, cast):
    content(
        slug="sleep-and-dreams",
        title="Sleep, vivid dreams and LDN",
        tags=["sleep", "side-effects"],
        audience="patients",
    )
    page = patient_page
    log_in(page, "pat@example.org")
    page.wait_for_url("**/patient/")
    page.goto("/diary/")
    expect(page.get_by_text("Read more in the library")).to_have_count(0)

    page.goto("/diary/new/")
    page.get_by_role("radiogroup", name="Trouble sleeping (insomnia)").get_by_label(
        "Moderate"
    ).check()
    page.get_by_role("button", name="Save the diary").click()
    page.wait_for_url("**/diary/")
    axe_check(page)

    page.get_by_role("link", name="Sleep, vivid dreams and LDN").click()
    page.wait_for_url("**/library/sleep-and-dreams/")
    expect(page.get_by_role("heading", name="Sleep, vivid dreams and LDN")).to_be_visible()
    axe_check(page)
