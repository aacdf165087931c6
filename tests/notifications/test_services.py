from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from patients.models import DiaryEntry
from patients.services.medications import medication_add
from patients.services.profile import care_team_add
from portal.notifications import services
from portal.notifications.models import Delivery, Notification
from tests.factories import PatientUserFactory
from tests.notifications.factories import due_safety_notices, safety_flags

Status = Notification.Status


@pytest.fixture
def team(patient_user, provider):
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    return patient_user.patient, provider


def test_it_sends_the_care_team_a_safety_notice_when_an_opioid_is_added(team):
    patient, provider = team

    medication_add(patient=patient, name="Percocet 5/325", added_by=patient.user)

    rows = Notification.objects.filter(recipient=provider, kind="safety")
    assert {row.channel for row in rows} == {"in_app", "email"}
    assert all(row.status == Status.PENDING for row in rows)


def test_it_claims_each_due_row_once_and_leaves_future_rows(
    team, django_capture_on_commit_callbacks
):
    patient, provider = team
    flags = safety_flags(patient, 3)
    due_safety_notices(provider=provider, flags=flags[:2])
    due_safety_notices(
        provider=provider, flags=flags[2:], due_at=timezone.now() + timedelta(hours=1)
    )

    with django_capture_on_commit_callbacks() as callbacks:
        first = services.dispatch_due()
        second = services.dispatch_due()

    assert (first, second) == (2, 0)
    assert len(callbacks) == 1  # one publish for the claimed batch
    assert Notification.objects.filter(status=Status.QUEUED).count() == 2
    assert Notification.objects.filter(status=Status.PENDING).count() == 1


def test_it_claims_the_oldest_due_rows_first_one_batch_at_a_time(
    team, monkeypatch, django_capture_on_commit_callbacks
):
    patient, provider = team
    now = timezone.now()
    flags = safety_flags(patient, 3)
    five, thirty, ten = (
        due_safety_notices(provider=provider, flags=[flag], due_at=now - timedelta(minutes=m))[0]
        for flag, m in zip(flags, (5, 30, 10), strict=True)
    )
    published = []
    monkeypatch.setattr(services, "_enqueue_sends", published.append)  # the broker's side

    with django_capture_on_commit_callbacks(execute=True):
        assert services.dispatch_due(batch_size=2) == 3

    batches = [[pk for pk, _version, _channel in batch] for batch in published]
    assert batches == [sorted([thirty.pk, ten.pk]), [five.pk]]
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.QUEUED}
    assert not Notification.objects.filter(claimed_at__isnull=True).exists()


def test_it_delivers_an_in_app_notice_exactly_once(team):
    patient, provider = team
    [row] = due_safety_notices(provider=provider, flags=safety_flags(patient, 1))
    Notification.objects.filter(pk=row.pk).update(status=Status.QUEUED)

    assert services.notification_send(notification_id=row.pk, version=1) is True
    assert services.notification_send(notification_id=row.pk, version=1) is False

    row.refresh_from_db()
    assert row.status == Status.SENT
    assert "Urgent" in row.title
    assert Delivery.objects.filter(notification=row).count() == 1


def test_it_sends_in_app_rows_in_chunks_and_each_once(team, settings):
    settings.NOTIFICATION_SEND_CHUNK = 2
    patient, provider = team
    rows = due_safety_notices(provider=provider, flags=safety_flags(patient, 3))
    Notification.objects.update(status=Status.QUEUED)
    pairs = [(row.pk, 1) for row in rows]

    assert services.notifications_send(pairs=pairs) == 3
    assert services.notifications_send(pairs=pairs) == 0
    assert Delivery.objects.count() == 3


def test_a_chunk_skips_what_needs_no_reminder_and_passes_over_old_versions(team):
    patient, provider = team
    now = timezone.now()
    today = timezone.localdate()
    nudges = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind="diary",
            channel="in_app",
            due_at=now,
            status=Status.QUEUED,
            dedupe_key=f"diary:{user.pk}:{today}:{n}",
            context={"date": today.isoformat()},
        )
        for n, user in enumerate([patient.user, PatientUserFactory(), patient.user])
    )
    DiaryEntry.objects.create(
        patient=nudges[1].recipient.patient,
        local_date=today,
        entered_by=nudges[1].recipient,
        created_at=now,
        updated_at=now,
    )
    Notification.objects.filter(pk=nudges[2].pk).update(version=2)  # replanned since
    pairs = [(row.pk, 1) for row in nudges]

    assert services.notifications_send(pairs=pairs, now=now) == 1
    assert services.notifications_send(pairs=pairs) == 0

    statuses = [Notification.objects.get(pk=row.pk).status for row in nudges]
    assert statuses == [Status.SENT, Status.SKIPPED, Status.QUEUED]
    sent = Notification.objects.get(pk=nudges[0].pk)
    assert (sent.title, sent.link) == ("How was your day?", f"/diary/{today.isoformat()}/")
    assert sent.sent_at == now
    assert Delivery.objects.filter(notification=sent).count() == 1
    assert Delivery.objects.count() == 1


def test_it_enqueues_in_app_chunks_and_one_task_per_email(
    team, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from portal.celery import app

    settings.NOTIFICATION_SEND_CHUNK = 2
    patient, provider = team
    flags = safety_flags(patient, 3)
    due_safety_notices(provider=provider, flags=flags)
    due_safety_notices(provider=provider, flags=flags, channel="email")
    published = []
    # The broker is the edge of the world here: record what would be published.
    monkeypatch.setattr(app, "send_task", lambda name, args, **kw: published.append((name, args)))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.dispatch_due() == 6

    chunks = [args[0] for name, args in published if name == "notifications.send_many"]
    singles = [args for name, args in published if name == "notifications.send"]
    assert [len(chunk) for chunk in chunks] == [2, 1]
    assert len(singles) == 3
    app.loader.import_default_modules()
    assert {name for name, _args in published} <= set(app.tasks)


def test_it_ignores_a_send_for_an_older_version(team):
    patient, provider = team
    [row] = due_safety_notices(provider=provider, flags=safety_flags(patient, 1))
    Notification.objects.filter(pk=row.pk).update(status=Status.QUEUED, version=2)

    assert services.notification_send(notification_id=row.pk, version=1) is False
    assert not Delivery.objects.exists()


def test_it_skips_a_notice_whose_flag_was_reviewed_before_it_went_out(team):
    patient, provider = team
    [flag] = safety_flags(patient, 1)
    [row] = due_safety_notices(provider=provider, flags=[flag])
    flag.resolved_at = timezone.now()
    flag.save()
    Notification.objects.filter(pk=row.pk).update(status=Status.QUEUED)

    services.notification_send(notification_id=row.pk, version=1)

    row.refresh_from_db()
    assert row.status == Status.SKIPPED


def test_it_sends_a_minimal_email_without_patient_details(team, mailoutbox):
    patient, provider = team
    [row] = due_safety_notices(provider=provider, flags=safety_flags(patient, 1), channel="email")
    Notification.objects.filter(pk=row.pk).update(status=Status.QUEUED)

    services.notification_send(notification_id=row.pk, version=1)

    [mail] = mailoutbox
    assert mail.subject == "You have a reminder in the LDN Portal"
    assert patient.user.name not in mail.body
    assert "opioid" not in mail.body.lower()
    assert "/patients/" in mail.body
    html = mail.alternatives[0][0]
    assert patient.user.name not in html


def test_it_returns_stuck_rows_to_pending_with_a_new_version(team):
    patient, provider = team
    [row] = due_safety_notices(provider=provider, flags=safety_flags(patient, 1))
    long_ago = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk=row.pk).update(status=Status.SENDING, claimed_at=long_ago)

    assert services.sweep_stuck() == 1

    row.refresh_from_db()
    assert (row.status, row.version) == (Status.PENDING, 2)


def test_it_sends_due_reminders_without_the_broker(team, mailoutbox):
    patient, provider = team
    flags = safety_flags(patient, 2)
    due_safety_notices(provider=provider, flags=flags)
    due_safety_notices(provider=provider, flags=flags, channel="email")

    assert services.send_due_inline() == 4
    assert services.send_due_inline() == 0
    assert Notification.objects.filter(status=Status.SENT).count() == 4
    assert len(mailoutbox) == 2


def test_it_reports_the_lag_of_the_oldest_due_reminder(team):
    patient, provider = team
    now = timezone.now()
    due_safety_notices(
        provider=provider, flags=safety_flags(patient, 1), due_at=now - timedelta(seconds=90)
    )

    assert services.oldest_due_lag(now=now) == pytest.approx(90)
    Notification.objects.update(status=Status.SENT, sent_at=now)
    assert services.oldest_due_lag(now=now) is None


def test_it_keeps_email_out_of_quiet_hours_but_still_notifies_in_the_portal(team):
    patient, provider = team
    prefs = services.preferences_for(provider)
    # Quiet hours spanning the current moment in the provider's zone.
    now_local = timezone.localtime(timezone=ZoneInfo(provider.timezone))
    prefs.quiet_start = (now_local - timedelta(hours=1)).time()
    prefs.quiet_end = (now_local + timedelta(hours=1)).time()
    prefs.save()

    medication_add(patient=patient, name="Oxycodone 5 mg", added_by=patient.user)

    channels = set(
        Notification.objects.filter(recipient=provider).values_list("channel", flat=True)
    )
    assert channels == {"in_app"}
