"""What the patient changes reaches the outbox at once: bedtime and time zone (profile),
time zone (account page), reminder settings, and the care team's regimen decisions."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.services.profile import care_team_add
from portal.notifications import services
from portal.notifications.models import Notification
from regimens.services.decisions import regimen_pause, regimen_switch_dose_time
from tests.notifications.factories import rows, start_regimen

pytestmark = pytest.mark.django_db
Status = Notification.Status
# 10:00 in New York (EDT, UTC-4): the dose reminder for bedtime 22:30 is at 22:00 = 02:00 UTC.
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(patient_user, provider):
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    start_regimen(patient_user.patient, provider, start_on=TODAY - timedelta(days=2))
    services.reminders_replan(user=patient_user)
    return patient_user.patient


def _tonight(patient):
    return rows(patient.user, "dose", channel="in_app", context__date=TODAY.isoformat()).get()


def _profile(**changes):
    return {
        "date_of_birth": "1980-04-30",
        "timezone": "America/New_York",
        "bedtime": "22:30",
        "pharmacy_name": "Riverside Compounding",
        "pharmacy_phone": "+1 555 010 0200",
        **changes,
    }


def test_it_plans_tonights_dose_30_minutes_before_bedtime(patient):
    row = _tonight(patient)

    assert row.due_at == datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
    assert row.status == Status.PENDING
    assert row.context == {"date": "2026-03-10"}


def test_it_replans_at_once_when_the_bedtime_changes(
    patient, client_for, django_capture_on_commit_callbacks
):
    before = _tonight(patient)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(patient.user).post(reverse("profile"), _profile(bedtime="23:30"))

    assert response.status_code == 302
    after = _tonight(patient)
    assert after.pk == before.pk
    assert after.due_at == datetime(2026, 3, 11, 3, 0, tzinfo=UTC)
    assert after.version == before.version + 1


def test_it_replans_at_once_when_the_profile_moves_to_another_time_zone(
    patient, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(patient.user).post(reverse("profile"), _profile(timezone="Europe/London"))

    # 22:00 in London on 10 March (GMT) is 22:00 UTC.
    assert _tonight(patient).due_at == datetime(2026, 3, 10, 22, 0, tzinfo=UTC)


def test_it_replans_at_once_when_the_account_page_moves_to_another_time_zone(
    patient, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(patient.user).post(
            reverse("account"), {"name": "Pat Patient", "timezone": "Australia/Sydney"}
        )

    assert response.status_code == 302
    # Already 01:00 on 11 March in Sydney: tonight there is 22:00 AEDT on the 11th.
    assert not rows(patient.user, "dose", status=Status.PENDING, context__date="2026-03-10")
    sydney = rows(patient.user, "dose", channel="in_app", context__date="2026-03-11").get()
    assert sydney.due_at == datetime(2026, 3, 11, 11, 0, tzinfo=UTC)


def test_it_replans_at_once_when_the_reminder_settings_change(patient, client_for):
    data = {
        "timezone": "America/New_York",
        "dose_enabled": "on",
        "dose_time": "21:15",
        "step_enabled": "on",
        "checkin_enabled": "on",
        "diary_time": "20:00",
        "email_enabled": "on",
    }

    response = client_for(patient.user).post(reverse("notification_preferences"), data)

    assert response.status_code == 302
    assert _tonight(patient).due_at == datetime(2026, 3, 11, 1, 15, tzinfo=UTC)
    diary = rows(patient.user, "diary").exclude(status=Status.CANCELLED)
    assert not diary.exists(), "diary reminders were turned off (the box is unticked)"


def test_it_sends_no_email_when_emails_are_turned_off(patient, client_for):
    data = {"timezone": "America/New_York", "dose_enabled": "on", "diary_time": "20:00"}

    client_for(patient.user).post(reverse("notification_preferences"), data)

    pending = Notification.objects.filter(recipient=patient.user, status=Status.PENDING)
    assert set(pending.values_list("channel", flat=True)) == {"in_app"}
    assert rows(patient.user, "dose", channel="email", status=Status.CANCELLED).exists()


def test_it_moves_reminders_out_of_quiet_hours_email_only(patient, client_for):
    data = {
        "timezone": "America/New_York",
        "dose_enabled": "on",
        "diary_enabled": "on",
        "diary_time": "20:00",
        "email_enabled": "on",
        "quiet_start": "21:00",
        "quiet_end": "07:00",
    }

    client_for(patient.user).post(reverse("notification_preferences"), data)

    tonight = rows(patient.user, "dose", context__date=TODAY.isoformat(), status=Status.PENDING)
    assert set(tonight.values_list("channel", flat=True)) == {"in_app"}
    diary = rows(patient.user, "diary", context__date=TODAY.isoformat(), status=Status.PENDING)
    assert set(diary.values_list("channel", flat=True)) == {"in_app", "email"}


def test_it_withdraws_dose_reminders_when_the_regimen_is_paused(
    patient, provider, django_capture_on_commit_callbacks
):
    regimen = patient.regimens.get()

    with django_capture_on_commit_callbacks(execute=True):
        regimen_pause(regimen=regimen, decided_by=provider, reason="surgery", today=TODAY)

    assert _tonight(patient).status == Status.CANCELLED
    assert not rows(patient.user, "dose", status=Status.PENDING).exists()


def test_it_plans_the_dose_reminder_at_08_00_for_a_morning_dose(
    patient, provider, django_capture_on_commit_callbacks
):
    regimen = patient.regimens.get()

    with django_capture_on_commit_callbacks(execute=True):
        regimen_switch_dose_time(
            regimen=regimen,
            dose_time="morning",
            decided_by=provider,
            reason="side_effects",
            today=TODAY,
        )

    tomorrow = rows(patient.user, "dose", channel="in_app", context__date="2026-03-11").get()
    assert tomorrow.due_at == datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # 08:00 EDT


def test_it_keeps_safety_and_one_off_notices_when_replanning(patient, provider):
    notice = services.notify_once(
        recipient=patient.user,
        kind="checkin",
        key="checkin:test:booked",
        context={"checkin": 0, "event": "booked", "starts_at": NOW.isoformat()},
        due_at=NOW + timedelta(hours=1),
    )

    services.reminders_replan(user=patient.user)

    assert {row.status for row in Notification.objects.filter(pk__in=[n.pk for n in notice])} == {
        Status.PENDING
    }


def test_it_does_not_plan_a_turned_off_kind_as_a_one_off(patient):
    prefs = services.preferences_for(patient.user)
    prefs.checkin_enabled = False
    prefs.save()

    assert (
        services.notify_once(
            recipient=patient.user,
            kind="checkin",
            key="checkin:test:off",
            context={},
            due_at=NOW,
        )
        == []
    )


def test_it_plans_nothing_for_a_patient_without_a_regimen(other_patient_user):
    services.reminders_replan(user=other_patient_user)

    kinds = set(
        Notification.objects.filter(recipient=other_patient_user).values_list("kind", flat=True)
    )
    assert kinds == {"diary"}


def test_a_dose_time_the_patient_picked_wins_over_the_bedtime(patient):
    prefs = services.preferences_for(patient.user)
    prefs.dose_time = time(21, 0)
    prefs.save()

    services.reminders_replan(user=patient.user)

    assert _tonight(patient).due_at == datetime(2026, 3, 11, 1, 0, tzinfo=UTC)
