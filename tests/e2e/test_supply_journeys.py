"""Supply journey: a patient on 1.5 mg capsules whose plan steps to 3 mg in 10 days records a
fill of 30 capsules (after a quantity of 0 is refused next to the field), sees the run-out
day on Tonight, asks for a refill, and the care team sees it on the patient record with the
compounding pharmacy."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils.formats import date_format
from playwright.sync_api import expect

from patients.services.profile import care_team_add
from portal.lib.timing import local_today
from regimens import safety
from regimens.models import Protocol
from regimens.services.start import regimen_start
from tests.e2e.helpers import log_in
from tests.factories import TEST_TOTP_SECRET, PatientUserFactory, ProviderFactory
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.e2e


@pytest.fixture
def cast(db):
    """A patient 4 days into 1.5 -> 3 -> 4.5 mg every 14 days on 1.5 mg capsules."""
    ensure_protocols()
    provider = ProviderFactory(email="doc@example.org", name="Dana Doc")
    patient = PatientUserFactory(email="pat@example.org", name="Pat Lee").patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    today = local_today(patient)
    regimen_start(
        patient=patient,
        protocol=Protocol.objects.get(family="clinic-1-5-mg-fortnightly", retired_at__isnull=True),
        formulation=safety.Formulation(kind=safety.CAPSULE, capsule_strengths_mg=(Decimal("1.5"),)),
        dose_time="bedtime",
        start_on=today - timedelta(days=4),
        started_by=provider,
        today=today,
    )
    return provider, patient


def test_a_patient_records_a_fill_and_sees_the_run_out_day_on_tonight(page, cast, axe_check):
    provider, patient = cast
    today = local_today(patient)
    runs_out = date_format(today + timedelta(days=20), "j M Y")

    log_in(page, "pat@example.org")
    page.wait_for_url("**/patient/")
    page.goto("/tonight/")
    supply_card = page.locator("[data-supply]")
    expect(supply_card).to_contain_text("Record each fill from your pharmacy")
    supply_card.get_by_role("link", name="Record a fill or ask for a refill").click()
    page.wait_for_url("**/tonight/supply/")
    axe_check(page)

    # A quantity of 0 is refused next to the field; what was typed stays.
    page.get_by_label("Date of the fill").fill(today.isoformat())
    page.get_by_label("Form").select_option("capsule")
    page.get_by_label("Strength (mg)").fill("1.5")
    page.get_by_label("Quantity").fill("0")
    page.get_by_role("button", name="Record the fill").click()
    expect(page.locator("#error_1_id_fill-quantity, .invalid-feedback").first).to_contain_text(
        "Enter how much you received: more than 0."
    )
    expect(page.get_by_label("Strength (mg)")).to_have_value("1.5")
    axe_check(page)

    page.get_by_label("Quantity").fill("30")
    page.get_by_role("button", name="Record the fill").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_be_visible()
    expect(page.locator("[data-fill]")).to_contain_text("30 capsules of 1.5 mg")
    expect(page.locator("[data-pharmacy]")).to_have_text("Riverside Compounding")

    page.goto("/tonight/")
    expect(page.locator("[data-runs-out]")).to_contain_text(f"Runs out on {runs_out}, in 20 days.")
    axe_check(page)

    # Ask for a refill; the care team sees it on the record.
    page.locator("[data-supply]").get_by_role("link").click()
    page.get_by_role("button", name="Request a refill").click()
    expect(page.get_by_text("Your care team has your request.")).to_be_visible()

    page.context.clear_cookies()
    log_in(page, "doc@example.org", totp_secret=TEST_TOTP_SECRET)
    page.wait_for_url("**/provider/")
    page.goto(f"/patients/{patient.pk}/")
    record_card = page.locator("[data-supply]")
    expect(record_card).to_contain_text(f"Runs out on {runs_out}")
    expect(record_card).to_contain_text("Refill asked for on")
    axe_check(page)
    record_card.get_by_role("link", name="Fills and refills").click()
    expect(page.locator("[data-open-refill]")).to_contain_text("capsules of 1.5 mg")
    expect(page.locator("[data-pharmacy]")).to_have_text("Riverside Compounding")
    axe_check(page)
    page.get_by_role("button", name="Mark handled (prescription sent)").click()
    expect(page.get_by_text("No refill request waiting.")).to_be_visible()
