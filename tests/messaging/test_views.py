"""The message pages: starting from a page's context, replying, bad input, attachments, the
inbox's filters, the record and home pages, access and the access event."""

from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from messaging.models import Attachment, Conversation, Message
from messaging.services.conversations import conversation_close
from patients.services.checkins import checkin_book
from patients.services.profile import care_team_add, care_team_end
from portal.audit.models import AccessEvent
from portal.notifications.models import Notification
from tests.content.factories import content
from tests.factories import PatientUserFactory
from tests.messaging.helpers import PDF_BYTES, jpeg_with_gps, pdf, png, start
from tests.patients.diary_factories import NOW, start_regimen

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(patient_user, provider):
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    return patient_user.patient


def _new(client, **data):
    values = {"subject": "Capsules", "topic": "medications", "body": "Wrong strength", **data}
    return client.post(reverse("conversation_new"), values)


def test_a_patient_starts_a_conversation_with_a_photo_stripped_of_metadata(
    client, team, patient_user
):
    client.force_login(patient_user)
    response = _new(client, files=[jpeg_with_gps()])
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("conversation_detail", args=[conversation.pk])
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/jpeg" and attachment.name == "label.jpg"
    stored = attachment.file.open("rb").read()
    assert b"PhoneMaker" not in stored and b"GPS" not in stored
    with Image.open(BytesIO(stored)) as image:
        assert not image.getexif()
    page = client.get(response["Location"])
    assert b"Wrong strength" in page.content and b"label.jpg" in page.content


def test_the_reply_promise_is_shown_when_writing(client, team, patient_user, settings):
    settings.MESSAGES = {**settings.MESSAGES, "REPLY_PROMISE": "within 1 working day"}
    client.force_login(patient_user)
    assert b"within 1 working day" in client.get(reverse("conversation_new")).content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": ""}, b"Write a message."),
        ({"body": "x" * 10_001}, b"Keep a message under 10,000 characters"),
        (
            {"files": [SimpleUploadedFile("label.jpg", b"GIF89a....", "image/jpeg")]},
            b"is not a PDF, PNG or JPEG file",
        ),
        (
            {"files": [SimpleUploadedFile("a.pdf", b"MZ\x90\x00", "application/pdf")]},
            b"is not a PDF, PNG or JPEG file",
        ),
        ({"files": [pdf("a.pdf"), pdf("b.pdf"), pdf("c.pdf"), pdf("d.pdf")]}, b"at most 3 files"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(
    client, team, patient_user, data, message
):
    client.force_login(patient_user)
    response = _new(client, subject="Keep this subject", **data)
    assert response.status_code == 200
    assert message in response.content
    assert b"Keep this subject" in response.content
    assert not Conversation.objects.exists() and not Attachment.objects.exists()


def test_a_file_over_10_mb_is_refused(client, team, patient_user):
    client.force_login(patient_user)
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b" " * (10 * 1024 * 1024), "application/pdf")
    response = _new(client, files=[big])
    assert b"is larger than 10 MB" in response.content
    assert not Conversation.objects.exists()


def test_a_safety_word_shows_the_emergency_guidance_first_then_sends_urgent(
    client, team, patient_user, provider
):
    client.force_login(patient_user)
    response = _new(client, body="I have chest pain tonight")
    assert b"Messages are not for emergencies" in response.content
    assert b"I have chest pain tonight" in response.content
    assert not Conversation.objects.exists()
    response = _new(client, body="I have chest pain tonight", safety_acknowledged="True")
    conversation = Conversation.objects.get()
    assert conversation.urgent
    client.force_login(provider)
    inbox = client.get(reverse("provider_inbox"))
    assert b'data-testid="urgent"' in inbox.content


def test_a_spanish_safety_word_shows_the_guidance_in_spanish_then_sends_urgent(
    client, team, patient_user, provider
):
    patient_user.language = "es"
    patient_user.save()
    client.force_login(patient_user)
    response = _new(client, body="tengo dolor de pecho")
    assert "Los mensajes no son para emergencias" in response.text
    assert "tengo dolor de pecho" in response.text
    assert not Conversation.objects.exists()
    _new(client, body="tengo dolor de pecho", safety_acknowledged="True")
    assert Conversation.objects.get().urgent
    assert Message.objects.get().urgent
    client.force_login(provider)
    inbox = client.get(reverse("provider_inbox"))
    assert b'data-testid="urgent"' in inbox.content


def test_a_spanish_safety_word_from_an_english_account_still_shows_the_guidance(
    client, team, patient_user
):
    assert patient_user.language != "es"
    client.force_login(patient_user)
    response = _new(client, body="Tengo dolor en el pecho y me falta el aire")
    assert b"Messages are not for emergencies" in response.content
    assert not Conversation.objects.exists()
    _new(client, body="Tengo dolor en el pecho", safety_acknowledged="True")
    assert Conversation.objects.get().urgent


def test_asking_from_tonight_fills_in_the_day(client, team, patient_user):
    client.force_login(patient_user)
    response = client.get(reverse("conversation_new") + "?about=tonight&day=2026-11-26")
    assert b"Tonight, 26 Nov 2026" in response.content
    _new(client, about="tonight", day="2026-11-26", subject="Tonight")
    conversation = Conversation.objects.get()
    assert conversation.context_kind == "tonight"
    assert conversation.context_label.startswith("Tonight, 26 Nov 2026")


def test_another_patients_check_in_gives_no_context(client, team, patient_user):
    client.force_login(patient_user)
    response = client.get(reverse("conversation_new") + "?about=checkin&id=999999")
    assert b"question-context" not in response.content


def test_replying_to_a_closed_conversation_is_refused(client, team, patient_user, provider):
    conversation = start(team)
    conversation_close(conversation=conversation, by=provider)
    client.force_login(patient_user)
    response = client.post(reverse("conversation_detail", args=[conversation.pk]), {"body": "more"})
    assert response.status_code == 200
    assert b"This conversation is closed" in response.content
    assert b">more</textarea>" in response.content  # what they wrote is kept
    assert conversation.messages.count() == 1


def test_a_provider_reads_assigns_and_replies_and_the_read_is_logged(
    client, team, provider, other_provider, patient_user
):
    care_team_add(patient=team, provider=other_provider, added_by=provider)
    conversation = start(team)
    client.force_login(provider)
    url = reverse("conversation_detail", args=[conversation.pk])
    assert client.get(url).status_code == 200
    assert AccessEvent.objects.filter(actor=provider, action="view_messages").exists()
    client.post(
        reverse("conversation_assign", args=[conversation.pk]), {"assigned_to": other_provider.pk}
    )
    assert Conversation.objects.get().assigned_to == other_provider
    client.post(url, {"body": "Take it in the morning for a week.", "files": [png()]})
    assert Message.objects.filter(sender=provider).count() == 1
    client.force_login(patient_user)
    page = client.get(url)
    assert b"Take it in the morning" in page.content


def test_the_inbox_filters(client, team, provider, other_provider):
    care_team_add(patient=team, provider=other_provider, added_by=provider)
    waiting = start(team, subject="Waiting one")
    closed = start(team, subject="Closed one")
    conversation_close(conversation=closed, by=provider)
    mine = start(team, subject="Mine one")
    mine.assigned_to = provider
    mine.save()
    client.force_login(provider)

    def subjects(status):
        content = client.get(reverse("provider_inbox") + f"?status={status}").content
        return {s for s in ("Waiting one", "Closed one", "Mine one") if s.encode() in content}

    assert subjects("open") == {"Waiting one", "Mine one"}
    assert subjects("closed") == {"Closed one"}
    assert subjects("mine") == {"Mine one"}
    assert subjects("waiting") == {"Waiting one", "Mine one"}
    assert subjects("unread") == {"Waiting one", "Mine one"}
    client.get(reverse("conversation_detail", args=[waiting.pk]))
    assert subjects("unread") == {"Mine one"}


def test_the_record_triage_and_homes_show_waiting_messages(client, team, provider, patient_user):
    start(team, subject="About my dose")
    client.force_login(provider)
    record = client.get(reverse("patient_record", args=[team.pk]))
    assert b"About my dose" in record.content
    home = client.get(reverse("provider_home"))
    assert b"Waiting for reply" in home.content
    client.force_login(patient_user)
    home = client.get(reverse("patient_home"))
    assert b"About my dose" in home.content


def test_attachments_download_only_with_access_and_safe_headers(
    client, team, provider, other_provider, patient_user, other_patient_user, admin_user
):
    conversation = start(team, files=[])
    client.force_login(patient_user)
    client.post(
        reverse("conversation_detail", args=[conversation.pk]), {"body": "see", "files": [pdf()]}
    )
    attachment = Attachment.objects.get()
    url = reverse("attachment_download", args=[conversation.pk, attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF_BYTES
    for outsider in (other_provider, other_patient_user):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(admin_user)
    assert client.get(url).status_code == 403


def test_a_provider_leaving_the_team_loses_access_at_once(client, team, provider):
    conversation = start(team)
    client.force_login(provider)
    url = reverse("conversation_detail", args=[conversation.pk])
    assert client.get(url).status_code == 200
    care_team_end(membership=team.memberships.get(provider=provider))
    assert client.get(url).status_code == 404
    assert client.get(reverse("provider_inbox")).content.count(b"conversation-row") == 0


def test_unread_badges_in_the_navigation(client, team, provider, patient_user):
    conversation = start(team)
    client.force_login(provider)
    assert b'data-testid="messages-unread">1' in client.get(reverse("provider_inbox")).content
    client.post(reverse("conversation_detail", args=[conversation.pk]), {"body": "Reply"})
    client.force_login(patient_user)
    assert b'data-testid="messages-unread">1' in client.get(reverse("message_list")).content
    client.get(reverse("conversation_detail", args=[conversation.pk]))
    assert b"messages-unread" not in client.get(reverse("message_list")).content


def test_ask_my_care_team_links_carry_the_page_and_ids_only(client, team, patient_user):
    client.force_login(patient_user)
    tonight = client.get(reverse("tonight")).content.decode()
    assert "/messages/new/?about=tonight&amp;day=" in tonight
    trends = client.get(reverse("diary_trends")).content.decode()
    assert "/messages/new/?about=trends" in trends


def test_the_patient_sees_that_the_care_team_read_their_messages(
    client, team, provider, patient_user
):
    conversation = start(team)
    client.force_login(provider)
    client.get(reverse("conversation_detail", args=[conversation.pk]))
    client.force_login(patient_user)
    log = client.get(reverse("access_log")).content.decode()
    assert "messages" in log and provider.name in log


def test_asking_from_a_diary_day_a_check_in_and_an_article(client, team, patient_user, provider):
    checkin = checkin_book(
        patient=team,
        provider=provider,
        starts_at=timezone.now() + timedelta(days=2),
        kind="video",
        booked_by=provider,
    )
    article = content(slug="vivid-dreams", title="Vivid dreams on LDN")
    client.force_login(patient_user)
    new = reverse("conversation_new")
    assert (
        "My diary, 20 Nov 2026" in client.get(f"{new}?about=diary&day=2026-11-20").content.decode()
    )
    assert "My check-in on" in client.get(f"{new}?about=checkin&id={checkin.pk}").content.decode()
    page = client.get(f"{new}?about=article&id={article.pk}").content.decode()
    assert "Vivid dreams on LDN" in page
    assert (
        f"?about=checkin&amp;id={checkin.pk}" in client.get(reverse("my_checkins")).content.decode()
    )
    article_page = client.get(reverse("library_article", args=[article.slug])).content.decode()
    assert f"?about=article&amp;id={article.pk}" in article_page


def test_the_triage_row_says_how_long_a_message_has_waited_for_a_reply(
    client, team, provider, patient_user
):
    with time_machine.travel(NOW, tick=False):
        start_regimen(team, provider, days_ago=8)  # the 2 mg step is due: in triage
        quiet = PatientUserFactory(name="Quinn Quiet").patient
        care_team_add(patient=quiet, provider=provider, added_by=provider)
        start_regimen(quiet, provider, days_ago=8)
        conversation = start(team, now=NOW - timedelta(hours=3))
        client.force_login(provider)
        home = client.get(reverse("provider_home")).content.decode()
        rows = {  # each triage row's html, up to the next row
            row.split('"', 1)[0]: row for row in home.split('data-triage-patient="')[1:]
        }
        assert "Message waiting for reply: 3 hours" in rows[str(team.pk)]
        assert f'href="/patients/{team.pk}/#messages-title"' in rows[str(team.pk)]
        assert "triage-waiting" not in rows[str(quiet.pk)]
        client.post(reverse("conversation_detail", args=[conversation.pk]), {"body": "Answered"})
        home = client.get(reverse("provider_home")).content.decode()
    assert "triage-row" in home and "triage-waiting" not in home


def test_a_provider_starts_a_conversation_and_the_patient_sees_it_and_is_notified(
    client, team, provider, patient_user
):
    client.force_login(provider)
    record = client.get(reverse("patient_record", args=[team.pk])).content.decode()
    url = reverse("provider_conversation_new", args=[team.pk])
    assert f'href="{url}"' in record
    assert "New message to Pat Patient" in client.get(url).content.decode()
    response = client.post(
        url, {"subject": "Your next step", "topic": "dose", "body": "Stay on 1.5 mg for now."}
    )
    conversation = Conversation.objects.get()
    assert response["Location"] == reverse("conversation_detail", args=[conversation.pk])
    assert (conversation.patient, conversation.started_by) == (team, provider)
    assert conversation.waiting_since is None  # the care team wrote: nothing waits for it
    message = conversation.messages.get()
    assert message.sender == provider and not message.from_patient
    notice = Notification.objects.get(recipient=patient_user, kind="message", channel="in_app")
    assert notice.context["message"] == message.pk
    assert not Notification.objects.filter(recipient=provider, kind="message").exists()

    client.force_login(patient_user)
    listing = client.get(reverse("message_list")).content.decode()
    assert "Your next step" in listing and 'data-testid="unread"' in listing
    assert 'data-testid="messages-unread">1' in listing
    page = client.get(reverse("conversation_detail", args=[conversation.pk])).content.decode()
    assert "Stay on 1.5 mg for now." in page
    assert (
        'data-testid="messages-unread"' not in client.get(reverse("message_list")).content.decode()
    )


def test_withdrawing_within_five_minutes_shows_the_message_withdrawn(client, team, patient_user):
    sent = timezone.now()
    conversation = start(team, body="Sent to the wrong place", now=sent)
    message = conversation.messages.get()
    client.force_login(patient_user)
    url = reverse("message_withdraw", args=[conversation.pk, message.pk])
    with time_machine.travel(sent + timedelta(minutes=4), tick=False):
        page = client.get(reverse("conversation_detail", args=[conversation.pk]))
        assert f'action="{url}"' in page.content.decode()
        response = client.post(url, follow=True)
    page = response.content.decode()
    assert "Message withdrawn." in page
    assert 'data-testid="withdrawn"' in page and "Withdrawn by the sender on" in page
    assert "Sent to the wrong place" not in page
    message.refresh_from_db()
    assert message.withdrawn_at == sent + timedelta(minutes=4)
    assert message.body == "Sent to the wrong place"  # kept in the history


def test_withdrawing_after_five_minutes_is_refused_and_changes_nothing(client, team, patient_user):
    sent = timezone.now()
    conversation = start(team, body="Too late to take back", now=sent)
    message = conversation.messages.get()
    waiting_since = Conversation.objects.get().waiting_since
    client.force_login(patient_user)
    url = reverse("message_withdraw", args=[conversation.pk, message.pk])
    with time_machine.travel(sent + timedelta(minutes=6), tick=False):
        page = client.get(reverse("conversation_detail", args=[conversation.pk])).content.decode()
        assert f'action="{url}"' not in page  # no button once the window has passed
        response = client.post(url, follow=True)
    page = response.content.decode()
    assert "A message can be withdrawn only in the first 5 minutes." in page
    assert "Too late to take back" in page and 'data-testid="withdrawn"' not in page
    message.refresh_from_db()
    assert message.withdrawn_at is None
    assert Conversation.objects.get().waiting_since == waiting_since


def test_the_record_shows_the_ten_newest_conversations_and_counts_the_rest(client, team, provider):
    client.force_login(provider)
    for n in range(10):
        with time_machine.travel(NOW + timedelta(minutes=n), tick=False):
            conversation = start(team, subject=f"Question {n:02d}")
    conversation_close(conversation=conversation, by=provider)  # closed ones count too

    record = client.get(reverse("patient_record", args=[team.pk])).content.decode()
    assert all(f"Question {n:02d}" in record for n in range(10))
    assert "conversations in all" not in record

    for n in (10, 11):
        with time_machine.travel(NOW + timedelta(minutes=n), tick=False):
            start(team, subject=f"Question {n:02d}")
    record = client.get(reverse("patient_record", args=[team.pk])).content.decode()
    assert all(f"Question {n:02d}" in record for n in range(2, 12))
    assert "Question 00" not in record and "Question 01" not in record
    assert "12 conversations in all." in record
