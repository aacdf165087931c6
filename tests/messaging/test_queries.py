"""The inbox and a conversation cost the same number of queries whatever their size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messaging.services.attachments import clean_files
from messaging.services.conversations import conversation_close, message_send
from patients.services.profile import care_team_add
from tests.factories import PatientUserFactory
from tests.messaging.helpers import pdf, start

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _patients(provider, n):
    patients = []
    for i in range(n):
        patient = PatientUserFactory(email=f"p{i}@example.org").patient
        care_team_add(patient=patient, provider=provider, added_by=provider)
        patients.append(patient)
    return patients


def test_the_inbox_is_flat(client, provider):
    client.force_login(provider)
    patients = _patients(provider, 6)
    # At least one row in every filter before and after.
    first = start(patients[0])
    first.assigned_to = provider
    first.save()
    conversation_close(conversation=start(patients[1]), by=provider)
    url = reverse("provider_inbox")
    client.get(url)  # the first request after logging in writes the session
    counts = {}
    for status in ("open", "unread", "waiting", "mine", "closed"):
        counts[status] = _queries(client, f"{url}?status={status}")
    for patient in patients[2:]:
        for _ in range(3):
            conversation = start(patient)
            conversation.assigned_to = provider
            conversation.save()
        conversation_close(conversation=start(patient), by=provider)
    for status, before in counts.items():
        assert _queries(client, f"{url}?status={status}") == before, status


def test_a_conversation_is_flat(client, provider):
    [patient] = _patients(provider, 1)
    conversation = start(patient)
    client.force_login(provider)
    url = reverse("conversation_detail", args=[conversation.pk])
    _queries(client, url)  # the first reading writes the read mark
    before = _queries(client, url)
    for i in range(40):
        sender = provider if i % 2 else patient.user
        files = [pdf()] if i % 5 == 0 else []
        files = clean_files(files)
        message_send(conversation=conversation, sender=sender, body=f"message {i}", files=files)
    assert _queries(client, url) == before
    assert _queries(client, f"{url}?page=2") <= before
