"""A patient's first journey: invitation → password → onboarding → an opioid on the list,
seen by the patient as a warning and by the care team as an urgent flag; another provider
cannot open the record."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from patients.models import Condition, Flag, Patient
from tests.e2e.helpers import log_in
from tests.factories import TEST_TOTP_SECRET, ProviderFactory

pytestmark = pytest.mark.e2e
PASSWORD = "amber-Quarry-window-58"


def _invitation_path() -> str:
    body = mail.outbox[-1].body
    return urlsplit(re.search(r"https?://\S+/invitations/accept/\S+/", body).group(0)).path


def test_an_invited_patient_onboards_and_an_opioid_reaches_the_care_team(
    page, browser, live_server, axe_check
):
    # Live-server tests start from empty tables, so the catalogue row is made here.
    Condition.objects.get_or_create(
        slug="fibromyalgia",
        defaults={"name": "Fibromyalgia", "code_system": "snomed", "code": "203082005"},
    )
    ProviderFactory(email="doc@example.org", name="Dana Doc")
    ProviderFactory(email="stranger@example.org", name="Sam Stranger")

    # The provider invites the patient (and stays logged in in their own browser).
    log_in(page, "doc@example.org", totp_secret=TEST_TOTP_SECRET)
    page.wait_for_url("**/provider/")
    page.goto("/invitations/new/")
    page.get_by_label("E-mail address").fill("nina@example.org")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_url("**/invitations/")

    # The patient, in another browser, follows the link and sets a password.
    patient_context = browser.new_context(base_url=live_server.url)
    patient_page = patient_context.new_page()
    patient_page.goto(_invitation_path())
    patient_page.get_by_label("Your name").fill("Nina New")
    patient_page.locator("#id_password1").fill(PASSWORD)
    patient_page.locator("#id_password2").fill(PASSWORD)
    patient_page.get_by_role("button", name="Create my account").click()

    # First login: onboarding comes before anything else.
    patient_page.wait_for_url("**/onboarding/")
    axe_check(patient_page)
    patient_page.goto("/patient/")
    patient_page.wait_for_url("**/onboarding/")
    patient_page.get_by_label("Date of birth").fill("1979-06-02")
    patient_page.get_by_label("Time zone").select_option("Europe/London")
    patient_page.get_by_label("Usual bedtime").fill("22:30")
    patient_page.get_by_label("Fibromyalgia").check()
    patient_page.get_by_label("Compounding pharmacy").fill("Harbour Compounding")
    patient_page.get_by_label("Pharmacy phone").fill("+44 20 7946 0000")
    patient_page.get_by_label("Medications you take now").fill("Vitamin D\nPercocet 5/325")
    patient_page.get_by_label(re.compile("I understand that LDN is prescribed off-label")).check()
    patient_page.get_by_role("button", name="Save and continue").click()

    # The patient sees the plain warning about the opioid.
    patient_page.wait_for_url("**/medications/")
    warning = patient_page.get_by_test_id("opioid-warning")
    assert warning.is_visible()
    assert "Percocet 5/325" in warning.inner_text()
    assert "withdrawal" in warning.inner_text()
    axe_check(patient_page)
    patient = Patient.objects.get(user__email="nina@example.org")
    assert patient.onboarded_at and patient.off_label_acknowledged_at
    assert patient.user.timezone == "Europe/London"

    # The care team sees the urgent flag.
    page.goto("/provider/")
    attention = page.get_by_role("region", name="Needs your attention")
    assert attention.get_by_text("Urgent").is_visible()
    attention.get_by_role("link", name="Nina New").click()
    page.wait_for_url(f"**/patients/{patient.pk}/")
    flag = page.locator("[data-flag=opioid]")
    assert "Percocet 5/325" in flag.inner_text()
    axe_check(page)
    assert Flag.objects.filter(patient=patient, kind="opioid", severity=30).exists()

    # Another provider cannot open the record.
    stranger_context = browser.new_context(base_url=live_server.url)
    stranger_page = stranger_context.new_page()
    log_in(stranger_page, "stranger@example.org", totp_secret=TEST_TOTP_SECRET)
    stranger_page.wait_for_url("**/provider/")
    response = stranger_page.goto(f"/patients/{patient.pk}/")
    assert response.status == 404
    assert stranger_page.get_by_role("heading", name="We could not find that page").is_visible()
    axe_check(stranger_page)
    patient_context.close()
    stranger_context.close()
