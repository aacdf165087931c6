"""A caregiver whose grant includes messages: the conversations of the patient they act for,
as themselves, marked as a caregiver's on both sides; nothing without the permission or
after the grant ends; the patient's unread conversations stay unread."""

import re

import pytest
from django.urls import reverse

from messaging.models import Conversation, Message, ReadMark
from messaging.selectors.conversations import unread_count
from messaging.services.attachments import clean_files
from messaging.services.conversations import message_send
from patients.models import CaregiverGrant
from patients.selectors.care import CARING_FOR
from patients.services.care import caregiver_grant_end, caregiver_grant_update, caregiver_invite
from patients.services.profile import care_team_add
from portal.accounts.services import invitation_accept_existing
from portal.audit.models import AccessEvent
from portal.notifications.models import Notification
from tests.factories import CaregiverFactory, PatientUserFactory
from tests.messaging.helpers import pdf, start

pytestmark = pytest.mark.django_db

MARK = "sent by Ana Ruiz (caregiver)"


@pytest.fixture
def team(patient_user, provider):
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    return patient_user.patient


@pytest.fixture
def ana(db):
    return CaregiverFactory(email="ana@example.org", name="Ana Ruiz")


def grant(patient, caregiver, *permissions):
    offer, _token = caregiver_invite(
        patient=patient, email=caregiver.email, permissions=permissions, invited_by=patient.user
    )
    invitation_accept_existing(invitation=offer.invitation, user=caregiver)
    return CaregiverGrant.objects.get(patient=patient, caregiver=caregiver, ended_at__isnull=True)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_caregiver_with_messages_lists_reads_starts_and_replies(
    client, team, ana, provider, patient_user
):
    grant(team, ana, "messages")
    conversation = start(team, subject="Capsules", files=[])
    client.force_login(ana)

    listing = text(client.get(reverse("message_list")))
    assert "Capsules" in listing and "Messages of Pat Patient" in listing

    reply = client.post(
        reverse("conversation_detail", args=[conversation.pk]), {"body": "She slept badly"}
    )
    assert reply.status_code == 302
    sent = Message.objects.get(body="She slept badly")
    assert sent.sender == ana and sent.from_patient
    assert Conversation.objects.get(pk=conversation.pk).waiting_since is not None

    started = client.post(
        reverse("conversation_new"),
        {"subject": "Her dose", "topic": "dose", "body": "Can she take it earlier?"},
    )
    new = Conversation.objects.get(subject="Her dose")
    assert started["Location"] == reverse("conversation_detail", args=[new.pk])
    assert new.patient == team and new.started_by == ana
    # The care team is told, as for the patient's own message.
    first = new.messages.get()
    assert Notification.objects.filter(
        recipient=provider, kind="message", context__message=first.pk
    ).exists()
    assert not Notification.objects.filter(recipient=ana, kind="message").exists()

    # Marked as the caregiver's for the care team and the patient; "You" for Ana.
    client.force_login(provider)
    assert MARK in text(client.get(reverse("conversation_detail", args=[new.pk])))
    client.force_login(patient_user)
    assert MARK in text(client.get(reverse("conversation_detail", args=[new.pk])))
    client.force_login(ana)
    assert MARK not in text(client.get(reverse("conversation_detail", args=[new.pk])))


def test_a_caregivers_reading_writes_the_access_event_and_leaves_the_patient_unread(
    client, team, ana, provider, patient_user
):
    grant(team, ana, "messages")
    conversation = start(team)
    message_send(conversation=conversation, sender=provider, body="Take it at 10 pm")
    assert unread_count(viewer=patient_user) == 1
    client.force_login(ana)
    assert 'data-testid="messages-unread">1' in client.get(reverse("care_home")).content.decode()

    page = client.get(reverse("conversation_detail", args=[conversation.pk]))
    assert page.status_code == 200 and "Take it at 10 pm" in text(page)
    assert AccessEvent.objects.filter(
        actor=ana, patient=team, action=AccessEvent.Action.VIEW_MESSAGES
    ).exists()
    assert unread_count(viewer=ana, caring_for=team) == 0
    assert 'data-testid="messages-unread"' not in client.get(reverse("care_home")).content.decode()
    assert unread_count(viewer=patient_user) == 1
    assert ReadMark.objects.filter(user=ana, conversation=conversation).exists()


@pytest.mark.parametrize("permissions", [("plan", "diary", "trends"), ()])
def test_without_the_permission_every_message_url_is_404(client, team, ana, permissions):
    if permissions:
        grant(team, ana, *permissions)
    conversation = start(team, files=[])
    message = conversation.messages.get()
    client.force_login(ana)
    for url in (
        reverse("message_list"),
        reverse("conversation_new"),
        reverse("conversation_detail", args=[conversation.pk]),
    ):
        assert client.get(url).status_code == 404, url
    reply = client.post(reverse("conversation_detail", args=[conversation.pk]), {"body": "Hi"})
    assert reply.status_code == 404
    assert (
        client.post(
            reverse("conversation_new"), {"subject": "S", "topic": "other", "body": "Hi"}
        ).status_code
        == 404
    )
    withdraw = reverse("message_withdraw", args=[conversation.pk, message.pk])
    assert client.post(withdraw).status_code == 404
    assert Message.objects.count() == 1 and Conversation.objects.count() == 1


def test_the_attachment_follows_the_grant(client, team, ana, patient_user):
    access = grant(team, ana, "messages", "plan")
    conversation = start(team, files=clean_files([pdf()]))
    attachment = conversation.messages.get().attachments.get()
    url = reverse("attachment_download", args=[conversation.pk, attachment.pk])
    client.force_login(ana)
    assert client.get(url).status_code == 200
    caregiver_grant_update(grant=access, permissions=["plan"], changed_by=patient_user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("message_list")).status_code == 404
    caregiver_grant_update(grant=access, permissions=["plan", "messages"], changed_by=patient_user)
    assert client.get(url).status_code == 200
    caregiver_grant_end(grant=CaregiverGrant.objects.get(pk=access.pk), ended_by=patient_user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("conversation_detail", args=[conversation.pk])).status_code == 404


def test_only_the_conversations_of_the_patient_chosen_in_the_switcher(client, team, ana):
    other = PatientUserFactory(email="sam@example.org", name="Sam Other").patient
    grant(team, ana, "messages")
    grant(other, ana, "plan")
    mine = start(team, subject="Pat's question")
    theirs = start(other, subject="Sam's question")
    client.force_login(ana)
    session = client.session
    session[CARING_FOR] = team.pk
    session.save()
    listing = text(client.get(reverse("message_list")))
    assert "Pat&#x27;s question" in listing and "Sam&#x27;s question" not in listing
    assert client.get(reverse("conversation_detail", args=[theirs.pk])).status_code == 404
    # On Sam, whose grant has no messages: nothing, not even Pat's conversation.
    client.post(reverse("care_switch"), {"patient": other.pk})
    assert client.get(reverse("message_list")).status_code == 404
    assert client.get(reverse("conversation_detail", args=[mine.pk])).status_code == 404


def test_ask_my_care_team_shows_for_a_caregiver_only_with_messages(client, team, ana, patient_user):
    access = grant(team, ana, "plan", "messages")
    client.force_login(ana)
    page = client.get(reverse("tonight")).content.decode()
    assert 'data-testid="ask-care-team"' in page and reverse("message_list") in page
    caregiver_grant_update(grant=access, permissions=["plan"], changed_by=patient_user)
    page = client.get(reverse("tonight")).content.decode()
    assert 'data-testid="ask-care-team"' not in page
    assert f'href="{reverse("message_list")}"' not in page
