"""Reminders of every day delivered by the real parts: a Celery worker process, the
configured broker and database, and an SMTP server (aiosmtpd). The check-in journey from
booking to the hour-before reminder, and the e-mail a patient gets with and without
detailed e-mails."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patients.services.checkins import checkin_book, checkin_confirm
from patients.services.profile import care_team_add
from portal.notifications import services
from portal.notifications.models import Delivery, Notification
from tests.factories import PatientUserFactory, ProviderFactory
from tests.notifications.factories import rows, start_regimen
from tests.worker import celery_worker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = Notification.Status


def _patient(provider, **user):
    patient = PatientUserFactory(**user).patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    return patient


def _due_now(queryset):
    """Travel these rows' due time to now (the clock cannot travel in another process)."""
    queryset.update(due_at=timezone.now() - timedelta(seconds=1))


def _settled(queryset):
    return lambda: not queryset.filter(status__in=[Status.PENDING, Status.QUEUED, Status.SENDING])


def _text(envelope) -> str:
    return envelope.original_content.decode()


def test_it_delivers_the_check_in_journey_through_a_worker(smtp_server):
    provider = ProviderFactory(name="Dana Doc")
    patient = _patient(provider, name="Pat Lee")
    starts_at = timezone.now() + timedelta(hours=3)

    checkin = checkin_book(
        patient=patient, provider=provider, starts_at=starts_at, kind="phone", booked_by=provider
    )
    checkin_confirm(checkin=checkin)
    hour_before = Notification.objects.filter(kind="checkin", context__event="1h")
    assert hour_before.count() == 4  # patient and provider, in the portal and by e-mail
    _due_now(hour_before)

    with celery_worker(concurrency=2, env=smtp_server.env):
        claimed = services.dispatch_due()
        wait_until(
            _settled(Notification.objects.filter(kind="checkin", due_at__lte=timezone.now())),
            timeout=120,
            message="the check-in reminders were not delivered",
        )

    assert claimed == 6  # the four reminders and the booking notice (portal and e-mail)
    mine = rows(patient.user, "checkin", channel="in_app", context__event="1h").get()
    theirs = rows(provider, "checkin", channel="in_app", context__event="1h").get()
    assert (mine.status, theirs.status) == (Status.SENT, Status.SENT)
    assert mine.title == theirs.title == "Check-in in 1 hour"
    assert "Dana Doc" in mine.body and "Pat Lee" in theirs.body
    booked = rows(patient.user, "checkin", channel="in_app", context__event="booked").get()
    assert booked.status == Status.SKIPPED  # confirmed before the worker got to it
    sent = Notification.objects.filter(status=Status.SENT)
    assert Delivery.objects.filter(notification__in=sent).count() == sent.count() == 4
    assert len(smtp_server.messages) == 2
    for message in smtp_server.messages:
        text = _text(message)
        assert "You have a reminder in the LDN Portal" in text
        assert "Pat Lee" not in text and "Dana Doc" not in text and "phone" not in text.lower()


def test_it_emails_the_reminder_text_only_to_a_patient_who_asked_for_details(smtp_server):
    provider = ProviderFactory()
    detailed = _patient(provider, email="detailed@example.org", name="Dee Tailed")
    minimal = _patient(provider, email="minimal@example.org", name="Minnie Mal")
    prefs = services.preferences_for(detailed.user)
    prefs.detailed_email = True
    prefs.save()
    for patient in (detailed, minimal):
        start_regimen(patient, provider, start_on=timezone.localdate() - timedelta(days=1))
        services.reminders_replan(user=patient.user)
    tonight = Notification.objects.filter(kind="dose").order_by("due_at")
    first_day = tonight.first().context["date"]
    _due_now(tonight.filter(context__date=first_day))

    with celery_worker(concurrency=1, env=smtp_server.env):
        services.dispatch_due()
        wait_until(lambda: len(smtp_server.messages) == 2, timeout=120, message="no e-mails")

    by_address = {message.rcpt_tos[0]: _text(message) for message in smtp_server.messages}
    rich, plain = by_address["detailed@example.org"], by_address["minimal@example.org"]
    assert "Tonight: 1 mg (1.0 mL of your 1 mg/mL liquid)." in rich
    assert "Tonight's LDN dose" in rich
    for text in (rich, plain):
        assert "Subject: You have a reminder in the LDN Portal" in text
        assert "http://127.0.0.1:8000/tonight/" in text
    assert "mg" not in plain.split("Content-Type: text/html")[0]
    assert "1.0 mL" not in plain and "LDN dose" not in plain
    assert "Minnie" not in plain and "Dee" not in rich
