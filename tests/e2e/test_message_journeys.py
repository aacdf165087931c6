"""Journeys through the messages: a patient asks from Tonight with a photo of a pharmacy
label; the provider sees the unread badge, assigns, replies; the patient sees the reply and
the count clears. An outsider provider and another patient get 404 on the conversation and
the photo. "chest pain" shows the emergency guidance before the message goes. A caregiver
with the messages permission asks for the patient, as themselves, until the patient takes
the permission back."""

from io import BytesIO

import pytest
from PIL import Image

from messaging.models import Attachment, Conversation
from patients.models import CaregiverGrant
from patients.services.care import caregiver_grant_update, caregiver_invite
from patients.services.profile import care_team_add
from portal.accounts.services import invitation_accept_existing
from tests.e2e.helpers import log_in
from tests.factories import (
    TEST_TOTP_SECRET,
    CaregiverFactory,
    PatientUserFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.e2e


def _label_photo() -> dict:
    out = BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (60, 40), (240, 240, 240)).save(out, format="JPEG", exif=exif)
    return {"name": "pharmacy-label.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def _context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_a_question_from_tonight_is_answered_and_stays_private(
    page, browser, live_server, axe_check
):
    patient = PatientUserFactory(email="pat@example.org", name="Pat Patient").patient
    provider = ProviderFactory(email="doc@example.org", name="Dana Doc")
    colleague = ProviderFactory(email="colleague@example.org", name="Cole League")
    ProviderFactory(email="outsider@example.org", name="Otto Outsider")
    PatientUserFactory(email="stranger@example.org", name="Sam Stranger")
    care_team_add(patient=patient, provider=provider, added_by=provider)
    care_team_add(patient=patient, provider=colleague, added_by=provider)

    # The patient asks from Tonight, with a photo of the label.
    log_in(page, "pat@example.org")
    page.wait_for_url("**/patient/")
    page.goto("/tonight/")
    page.get_by_test_id("ask-care-team").click()
    page.wait_for_url("**/messages/new/?about=tonight*")
    assert "Tonight," in page.get_by_test_id("question-context").inner_text()
    assert "within 2 working days" in page.get_by_test_id("reply-promise").inner_text()
    axe_check(page)
    page.get_by_label("Subject").fill("The pharmacy sent the wrong capsules")
    page.get_by_label("Topic").select_option("medications")
    question = "The label says 4.5 mg but I take 1.5 mg. Photo attached."
    page.get_by_label("Message", exact=True).fill(question)
    page.get_by_label("Attach files").set_input_files([_label_photo()])
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url("**/messages/*/")
    conversation = Conversation.objects.get()
    attachment = Attachment.objects.get()
    assert conversation.context_kind == "tonight"
    assert b"PhoneMaker" not in attachment.file.open("rb").read()
    axe_check(page)

    # The provider sees the unread badge, assigns to a colleague and replies.
    doc_context, doc = _context(browser, live_server)
    log_in(doc, "doc@example.org", totp_secret=TEST_TOTP_SECRET)
    doc.wait_for_url("**/provider/")
    assert doc.get_by_test_id("messages-unread").inner_text().startswith("1")
    assert "Waiting for reply: 1 conversation" in doc.get_by_test_id("home-messages").inner_text()
    axe_check(doc)
    doc.get_by_role("link", name="Messages 1 unread").click()
    doc.wait_for_url("**/provider/messages/")
    axe_check(doc)
    doc.get_by_role("link", name="The pharmacy sent the wrong capsules").click()
    doc.wait_for_url(f"**/messages/{conversation.pk}/")
    assert doc.get_by_test_id("attachment").inner_text() == "pharmacy-label.jpg"
    assert doc.get_by_test_id("messages-unread").count() == 0
    doc.get_by_label("Assign to").select_option(label="Cole League")
    doc.get_by_role("button", name="Assign").click()
    doc.wait_for_url(f"**/messages/{conversation.pk}/")
    conversation.refresh_from_db()
    assert conversation.assigned_to == colleague
    answer = "Please do not take the 4.5 mg capsules; we will call them."
    doc.get_by_label("Message", exact=True).fill(answer)
    doc.get_by_role("button", name="Send", exact=True).click()
    doc.wait_for_url(f"**/messages/{conversation.pk}/")
    axe_check(doc)
    doc_context.close()

    # The patient sees the reply; the count clears once read.
    page.goto("/patient/")
    assert page.get_by_test_id("messages-unread").inner_text().startswith("1")
    page.goto("/messages/")
    assert page.get_by_test_id("unread").count() == 1
    page.get_by_role("link", name="The pharmacy sent the wrong capsules").click()
    assert "we will call them" in page.content()
    assert page.get_by_test_id("messages-unread").count() == 0
    axe_check(page)

    # Nobody else opens the conversation or the photo.
    paths = [
        f"/messages/{conversation.pk}/",
        f"/messages/{conversation.pk}/attachments/{attachment.pk}/",
    ]
    for email, secret in (
        ("outsider@example.org", TEST_TOTP_SECRET),
        ("stranger@example.org", None),
    ):
        context, other = _context(browser, live_server)
        log_in(other, email, totp_secret=secret)
        other.wait_for_url("**/p*/")
        for path in paths:
            assert other.request.get(path).status == 404, (email, path)
        context.close()


def test_chest_pain_shows_the_emergency_guidance_before_sending(page, live_server, axe_check):
    patient = PatientUserFactory(email="pat@example.org").patient
    provider = ProviderFactory(email="doc@example.org")
    care_team_add(patient=patient, provider=provider, added_by=provider)
    log_in(page, "pat@example.org")
    page.wait_for_url("**/patient/")
    page.goto("/messages/new/")
    page.get_by_label("Subject").fill("After tonight's dose")
    page.get_by_label("Message", exact=True).fill("I have chest pain since I took it.")
    page.get_by_role("button", name="Send", exact=True).click()
    guidance = page.get_by_test_id("safety-guidance")
    assert guidance.is_visible()
    assert "Messages are not for emergencies" in guidance.inner_text()
    kept = page.get_by_label("Message", exact=True).input_value()
    assert kept == "I have chest pain since I took it."
    assert not Conversation.objects.exists()
    axe_check(page)
    page.get_by_role("button", name="Send my message").click()
    page.wait_for_url("**/messages/*/")
    assert Conversation.objects.get().urgent


def test_a_caregiver_with_messages_asks_for_the_patient_until_the_patient_takes_it_back(
    page, browser, live_server, axe_check
):
    patient_user = PatientUserFactory(email="pat@example.org", name="Pat Patient")
    patient = patient_user.patient
    provider = ProviderFactory(email="doc@example.org", name="Dana Doc")
    care_team_add(patient=patient, provider=provider, added_by=provider)
    ana = CaregiverFactory(email="ana@example.org", name="Ana Ruiz")
    offer, _token = caregiver_invite(
        patient=patient, email=ana.email, permissions=["plan", "messages"], invited_by=patient_user
    )
    invitation_accept_existing(invitation=offer.invitation, user=ana)

    # Ana asks from Pat's Tonight, as herself.
    log_in(page, "ana@example.org")
    page.wait_for_url("**/care/")
    page.goto("/tonight/")
    page.get_by_test_id("ask-care-team").click()
    page.wait_for_url("**/messages/new/?about=tonight*")
    assert "Pat Patient" in page.get_by_role("heading", level=1).inner_text()
    axe_check(page)
    page.get_by_label("Subject").fill("Pat slept badly")
    page.get_by_label("Topic").select_option("dose")
    page.get_by_label("Message", exact=True).fill("She woke at 3 am twice this week.")
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url("**/messages/*/")
    conversation = Conversation.objects.get()
    assert conversation.patient == patient and conversation.started_by == ana
    axe_check(page)

    # The provider sees whose message it is and answers.
    doc_context, doc = _context(browser, live_server)
    log_in(doc, "doc@example.org", totp_secret=TEST_TOTP_SECRET)
    doc.wait_for_url("**/provider/")
    doc.goto(f"/messages/{conversation.pk}/")
    assert doc.get_by_test_id("sent-by-caregiver").inner_text() == "sent by Ana Ruiz (caregiver)"
    doc.get_by_label("Message", exact=True).fill("Try taking it an hour earlier.")
    doc.get_by_role("button", name="Send", exact=True).click()
    doc.wait_for_url(f"**/messages/{conversation.pk}/")
    doc_context.close()

    # Ana sees the badge and the answer.
    page.goto("/care/")
    assert page.get_by_test_id("messages-unread").inner_text().startswith("1")
    page.get_by_role("link", name="Messages 1 unread").click()
    page.get_by_role("link", name="Pat slept badly").click()
    assert "an hour earlier" in page.content()
    assert page.get_by_test_id("messages-unread").count() == 0
    axe_check(page)

    # Pat takes messages back: from Ana's next request every message URL is 404.
    grant = CaregiverGrant.objects.get(patient=patient, caregiver=ana)
    caregiver_grant_update(grant=grant, permissions=["plan"], changed_by=patient_user)
    for path in ("/messages/", f"/messages/{conversation.pk}/"):
        assert page.request.get(path).status == 404, path
    page.goto("/tonight/")
    assert page.get_by_test_id("ask-care-team").count() == 0
