"""Caregiver journey: a patient invites a caregiver with diary-only rights; the caregiver
accepts, logs in, keeps the diary (marked as theirs on the provider's review), cannot open
the medication list, Tonight or the messages, and loses access the moment the patient ends
it.

The patient, the caregiver and the provider each have their own browser context. Every page
is checked with axe-core.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from messaging.services.conversations import conversation_start
from patients.models import DiaryEntry
from patients.services.profile import care_team_add
from portal.lib.timing import local_today
from regimens.models import Protocol
from regimens.services.start import regimen_start
from tests.e2e.helpers import log_in, log_out
from tests.factories import TEST_TOTP_SECRET, PatientUserFactory, ProviderFactory
from tests.patients.diary_factories import LIQUID, WEEKLY
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.e2e
CAREGIVER_PASSWORD = "amber-Kettle-orchard-77"


def _context_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def other_pages(browser, live_server):
    contexts = [_context_page(browser, live_server) for _ in range(2)]
    yield [page for _context, page in contexts]
    for context, _page in contexts:
        context.close()


def test_a_diary_only_caregiver_keeps_the_diary_until_the_patient_ends_access(
    page, other_pages, axe_check, db
):
    ensure_protocols()
    provider = ProviderFactory(email="doc@example.org", name="Dana Doc")
    patient = PatientUserFactory(email="pat@example.org", name="Pat Lee").patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    today = local_today(patient)
    regimen_start(
        patient=patient,
        protocol=Protocol.objects.get(family=WEEKLY, retired_at__isnull=True),
        formulation=LIQUID,
        dose_time="bedtime",
        start_on=today - timedelta(days=3),
        started_by=provider,
        today=today,
    )
    patient_page, provider_page = other_pages
    caregiver_page = page

    # The patient invites: a provider's address is refused next to the field, then Ana.
    log_in(patient_page, "pat@example.org")
    patient_page.wait_for_url("**/patient/")
    patient_page.goto("/profile/")
    patient_page.get_by_role("link", name="Caregivers").click()
    patient_page.wait_for_url("**/profile/caregivers/")
    axe_check(patient_page)
    patient_page.get_by_label("The caregiver's e-mail address").fill("doc@example.org")
    patient_page.get_by_label("Log doses and keep the diary").check()
    patient_page.get_by_role("button", name="Send the invitation").click()
    expect(
        patient_page.get_by_text("This address belongs to a provider's account.")
    ).to_be_visible()
    expect(patient_page.get_by_label("Log doses and keep the diary")).to_be_checked()
    axe_check(patient_page)
    assert mail.outbox == []
    patient_page.get_by_label("The caregiver's e-mail address").fill("ana@example.org")
    patient_page.get_by_role("button", name="Send the invitation").click()
    expect(patient_page.get_by_text("Invitation sent to ana@example.org.")).to_be_visible()
    axe_check(patient_page)

    # Ana accepts: her own login, then she logs in again.
    link = re.search(r"https?://\S+/invitations/accept/\S+/", mail.outbox[0].body).group(0)
    caregiver_page.goto(urlsplit(link).path)
    axe_check(caregiver_page)
    caregiver_page.get_by_label("Your name").fill("Ana Ruiz")
    caregiver_page.locator("#id_password1").fill(CAREGIVER_PASSWORD)
    caregiver_page.locator("#id_password2").fill(CAREGIVER_PASSWORD)
    caregiver_page.get_by_role("button", name="Create my account").click()
    caregiver_page.wait_for_url("**/care/")
    log_out(caregiver_page)
    log_in(caregiver_page, "ana@example.org", CAREGIVER_PASSWORD)
    caregiver_page.wait_for_url("**/care/")
    expect(caregiver_page.get_by_test_id("care-switcher")).to_contain_text(
        "You are on Pat Lee's record, as their caregiver."
    )
    axe_check(caregiver_page)

    # She keeps the diary, tonight's dose included.
    caregiver_page.get_by_role("link", name="Diary", exact=True).first.click()
    caregiver_page.wait_for_url("**/diary/")
    axe_check(caregiver_page)
    caregiver_page.get_by_role("link", name="Write today's diary").click()
    caregiver_page.get_by_text("I took it", exact=True).click()
    caregiver_page.locator("label[for=id_pain_4]").click()
    caregiver_page.get_by_role("button", name="Save the diary").click()
    caregiver_page.wait_for_url("**/diary/")
    expect(caregiver_page.get_by_test_id("provenance").first).to_have_text(
        "entered by Ana Ruiz (caregiver)"
    )
    axe_check(caregiver_page)
    assert DiaryEntry.objects.get(patient=patient).entered_by.email == "ana@example.org"

    # Nothing else of the record opens for her: not the medication list, not the messages
    # (the navigation has no link to them, and every message URL answers 404).
    nav = caregiver_page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Diary", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Messages")).to_have_count(0)
    expect(nav.get_by_role("link", name="Medications")).to_have_count(0)
    conversation = conversation_start(
        patient=patient,
        started_by=patient.user,
        subject="Capsules",
        topic="medications",
        body="The pharmacy sent the wrong strength",
    )
    for path in (
        "/medications/",
        "/tonight/",
        "/diary/trends/",
        f"/patients/{patient.pk}/",
        "/messages/",
        "/messages/new/",
        f"/messages/{conversation.pk}/",
    ):
        assert caregiver_page.goto(path).status == 404, path

    # The provider's review shows the entry as hers.
    log_in(provider_page, "doc@example.org", totp_secret=TEST_TOTP_SECRET)
    provider_page.wait_for_url("**/provider/")
    provider_page.goto(f"/patients/{patient.pk}/diary/")
    expect(provider_page.get_by_test_id("provenance").first).to_have_text(
        "entered by Ana Ruiz (caregiver)"
    )
    axe_check(provider_page)

    # The patient ends access; Ana's next request is refused.
    patient_page.goto("/profile/caregivers/")
    patient_page.get_by_role("button", name="End access Ana Ruiz").click()
    expect(
        patient_page.get_by_text("Ana Ruiz no longer has access to your record.")
    ).to_be_visible()
    axe_check(patient_page)
    assert caregiver_page.goto("/diary/").status == 404
    caregiver_page.goto("/care/")
    expect(caregiver_page.get_by_test_id("care-switcher")).to_contain_text(
        "No one has given you access to their record at the moment."
    )
    axe_check(caregiver_page)
