"""Conversations: who may write, withdrawing, waiting, read marks, assigning and closing,
notices that carry nothing of the message."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from messaging.digest import waiting_messages
from messaging.models import Conversation, Message
from messaging.selectors.conversations import unread_count, waiting_for_team
from messaging.services.conversations import (
    conversation_assign,
    conversation_close,
    conversation_reopen,
    message_send,
    message_withdraw,
)
from patients.services.profile import care_team_add, care_team_end
from portal.notifications import registry
from portal.notifications.models import Notification
from portal.notifications.services import send_due_inline
from tests.messaging.helpers import start

pytestmark = pytest.mark.django_db

SECRET = "vivid dreams are worse since the step-up"


@pytest.fixture
def team(patient_user, provider, other_provider):
    patient = patient_user.patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    care_team_add(patient=patient, provider=other_provider, added_by=provider)
    return patient


def test_a_patients_message_waits_for_the_team_and_a_reply_answers_it(team, provider):
    conversation = start(team)
    assert conversation.waiting_since is not None
    assert waiting_for_team(provider=provider).count == 1
    message_send(conversation=conversation, sender=provider, body="We will call the pharmacy.")
    conversation.refresh_from_db()
    assert conversation.waiting_since is None
    assert waiting_for_team(provider=provider).count == 0


def test_unread_counts_for_both_sides(team, provider, other_provider):
    conversation = start(team)
    assert unread_count(viewer=provider) == 1
    assert unread_count(viewer=other_provider) == 1
    assert unread_count(viewer=team.user) == 0
    message_send(conversation=conversation, sender=provider, body="Answer")
    assert unread_count(viewer=provider) == 0
    assert unread_count(viewer=team.user) == 1


def test_nobody_outside_the_care_team_writes(team, other_provider, other_patient_user):
    conversation = start(team)
    membership = team.memberships.get(provider=other_provider)
    care_team_end(membership=membership)
    for outsider in (other_provider, other_patient_user):
        with pytest.raises(ValidationError):
            message_send(conversation=conversation, sender=outsider, body="hello")
    assert conversation.messages.count() == 1


def test_empty_and_overlong_messages_are_refused(team):
    conversation = start(team)
    for body in ("", "   ", "x" * 10_001):
        with pytest.raises(ValidationError) as refused:
            message_send(conversation=conversation, sender=team.user, body=body)
        assert "body" in refused.value.message_dict
    assert conversation.messages.count() == 1


def test_a_closed_conversation_takes_no_reply_until_reopened(team, provider):
    conversation = start(team)
    conversation_close(conversation=conversation, by=provider)
    with pytest.raises(ValidationError) as refused:
        message_send(conversation=conversation, sender=team.user, body="one more thing")
    assert "closed" in refused.value.message_dict["body"][0]
    conversation_reopen(conversation=conversation, by=provider)
    message_send(conversation=conversation, sender=team.user, body="one more thing")
    assert conversation.messages.count() == 2
    assert conversation.history.count() >= 3


def test_withdrawing_within_five_minutes_keeps_the_message_marked(team):
    conversation = start(team, body=SECRET)
    message = conversation.messages.get()
    with time_machine.travel(message.sent_at + timedelta(minutes=4)):
        message_withdraw(message=message, by=team.user)
    message.refresh_from_db()
    assert message.is_withdrawn and message.body == SECRET
    conversation.refresh_from_db()
    assert conversation.waiting_since is None
    assert message.history.count() == 2


def test_withdrawing_after_five_minutes_or_someone_elses_message_is_refused(team, provider):
    conversation = start(team)
    message = conversation.messages.get()
    with pytest.raises(ValidationError):
        message_withdraw(message=message, by=provider)
    with (
        time_machine.travel(message.sent_at + timedelta(minutes=6)),
        pytest.raises(ValidationError),
    ):
        message_withdraw(message=message, by=team.user)
    assert not Message.objects.get(pk=message.pk).is_withdrawn


def test_assigning_only_to_the_care_team(team, provider, other_provider, admin_user):
    conversation = start(team)
    conversation_assign(conversation=conversation, to=other_provider, by=provider)
    assert Conversation.objects.get(pk=conversation.pk).assigned_to == other_provider
    care_team_end(membership=team.memberships.get(provider=other_provider))
    with pytest.raises(ValidationError):
        conversation_assign(conversation=conversation, to=other_provider, by=provider)


def test_safety_words_flag_the_message_urgent(team):
    conversation = start(team, body="I have chest pain after the dose")
    assert conversation.urgent and conversation.messages.get().urgent


def test_the_notice_says_only_that_a_message_is_waiting(team, provider, settings):
    settings.SITE_URL = "https://portal.example"
    conversation = start(team, body=SECRET, subject="Dreams")
    notices = Notification.objects.filter(kind="message")
    assert {n.recipient for n in notices} >= {provider}
    assert all(set(n.context) <= {"message", "once"} for n in notices)
    send_due_inline(now=timezone.now() + timedelta(seconds=1))
    sent = [m for m in mail.outbox if provider.email in m.to]
    assert sent, "the provider is e-mailed"
    text = sent[0].body + sent[0].alternatives[0][0] + sent[0].subject
    assert "You have a new message in the LDN Portal" in text
    assert f"/messages/{conversation.pk}/" in text
    assert SECRET not in text and "Dreams" not in text
    in_app = notices.get(recipient=provider, channel="in_app")
    in_app.refresh_from_db()
    assert SECRET not in in_app.title + in_app.body


def test_a_withdrawn_message_sends_no_notice(team, provider):
    conversation = start(team)
    message_withdraw(message=conversation.messages.get(), by=team.user)
    send_due_inline(now=timezone.now() + timedelta(seconds=1))
    assert not [m for m in mail.outbox if provider.email in m.to]


def test_waiting_messages_join_the_providers_digest(team, provider):
    assert waiting_messages(provider=provider, since=None, day=None) == []
    start(team)
    [line] = waiting_messages(provider=provider, since=None, day=None)
    assert line.startswith("1 conversation is waiting")


def test_the_digest_section_and_the_notice_kind_are_registered():
    assert waiting_messages in registry.digest_sections()
    assert "message" in registry.registered_kinds()
