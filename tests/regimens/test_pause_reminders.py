"""Reminders while LDN must not be taken (regimens/reminders/pause.py): an opioid on the list
or an approved pause replaces the evening dose reminder with "Do not take LDN tonight", the
last dose before a pause says so, and the normal reminder comes back by itself once the
status clears and the restart is confirmed. Time is frozen at 10:00 in New York."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from patients.services.medications import medication_add, medication_stop, medication_update
from patients.services.profile import care_team_add
from portal.notifications import services
from portal.notifications.models import Notification
from regimens.models import Regimen
from regimens.services.decisions import regimen_pause, regimen_resume
from regimens.services.plans import plan_approve, plan_change, plan_propose
from tests.notifications.factories import start_regimen

pytestmark = pytest.mark.django_db
Status = Notification.Status
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York
TODAY = date(2026, 3, 10)


def days(n):
    return TODAY + timedelta(days=n)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def patient(patient_user, provider):
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    return patient_user.patient


@pytest.fixture
def regimen(clock, patient, provider):
    return start_regimen(patient, provider, start_on=TODAY - timedelta(days=6))


def _evening(user):
    """Date -> (kind, title or moment) of each pending in-app reminder at the dose time."""
    services.reminders_replan(user=user)
    planned = Notification.objects.filter(
        recipient=user, channel="in_app", status=Status.PENDING, kind__in=("dose", "pause")
    ).order_by("due_at")
    return {row.context["date"]: (row.kind, row.context.get("moment")) for row in planned}


def _send(row):
    Notification.objects.filter(pk=row.pk).update(status=Status.QUEUED)
    services.notification_send(notification_id=row.pk, version=row.version)
    row.refresh_from_db()
    return row


def test_an_opioid_on_the_list_replaces_tonights_dose_reminder_at_once(patient, regimen):
    assert _evening(patient.user)["2026-03-10"] == ("dose", None)

    medication_add(patient=patient, name="Percocet 10/325", added_by=patient.user)

    evenings = _evening(patient.user)
    assert set(evenings) >= {"2026-03-10", "2026-03-11", "2026-03-12"}
    assert {kind for kind, _ in evenings.values()} == {"pause"}
    row = Notification.objects.get(
        recipient=patient.user, kind="pause", channel="in_app", context__date="2026-03-10"
    )
    sent = _send(row)
    assert sent.status == Status.SENT
    assert sent.title == "Do not take LDN tonight"
    assert "Percocet 10/325 is an opioid" in sent.body
    assert "Not while the opioid is taken" in sent.body
    assert not Notification.objects.filter(
        recipient=patient.user, kind="dose", status=Status.PENDING
    ).exists()


def test_the_email_of_a_pause_reminder_carries_no_health_data(patient, regimen, settings):
    assert services.preferences_for(patient.user).email_enabled  # the default
    medication_add(patient=patient, name="tramadol 50 mg", added_by=patient.user)
    services.reminders_replan(user=patient.user)
    row = Notification.objects.get(
        recipient=patient.user, kind="pause", channel="email", context__date="2026-03-10"
    )

    _send(row)

    body = mail.outbox[-1].body + mail.outbox[-1].subject
    assert mail.outbox[-1].subject == "You have a reminder in the LDN Portal"
    assert "tramadol" not in body.lower() and "opioid" not in body.lower()
    assert "do not take" not in body.lower()


def test_after_the_opioid_stops_the_reminders_wait_for_the_washout_and_the_restart(
    clock, patient, regimen, provider
):
    percocet = medication_add(patient=patient, name="Percocet", added_by=patient.user)
    regimen_pause(regimen=regimen, decided_by=provider, reason="opioid_needed", today=TODAY)
    medication_stop(medication=percocet, stopped_on=TODAY)  # LDN again from 20 Mar

    clock.move_to(datetime(2026, 3, 19, 14, 0, tzinfo=UTC))
    assert _evening(patient.user) == {
        "2026-03-19": ("pause", "no_ldn"),
        "2026-03-20": ("pause", "restart"),
    }
    restart = Notification.objects.get(
        recipient=patient.user, kind="pause", channel="in_app", context__moment="restart"
    )

    clock.move_to(datetime(2026, 3, 20, 23, 30, tzinfo=UTC))  # 19:30 in New York
    assert _send(restart).title == "Your care team will confirm your restart"

    regimen.refresh_from_db()
    regimen_resume(
        regimen=regimen,
        dose_mg=regimen.current_step.dose_mg,
        decided_by=provider,
        reason="opioid_needed",
        today=date(2026, 3, 20),
    )
    assert _evening(patient.user)["2026-03-21"] == ("dose", None)
    assert regimen.pause_plans.count() == 0


def test_an_approved_procedure_says_last_dose_then_no_ldn_and_follows_a_new_date(
    clock, patient, regimen, provider
):
    plan = plan_propose(
        patient=patient,
        created_by=patient.user,
        kind="procedure",
        today=TODAY,
        procedure_on=days(4),
    )
    assert _evening(patient.user)["2026-03-11"] == ("dose", None)  # proposed: nothing yet

    plan = plan_approve(plan=plan, decided_by=provider, today=TODAY)

    assert _evening(patient.user) == {  # the 72 hours ahead that are planned
        "2026-03-10": ("dose", None),
        "2026-03-11": ("pause", "last_dose"),
        "2026-03-12": ("pause", "no_ldn"),
    }
    last = Notification.objects.get(
        recipient=patient.user, channel="in_app", context__moment="last_dose"
    )

    # The procedure moves two days later before the last dose: the reminders follow at once
    # (moved by the patient, the pause stays approved with its new dates).
    plan = plan_change(plan=plan, changed_by=patient.user, today=TODAY, procedure_on=days(6))
    assert plan.status == "approved"
    assert _evening(patient.user) == {
        "2026-03-10": ("dose", None),
        "2026-03-11": ("dose", None),
        "2026-03-12": ("dose", None),
    }
    last.refresh_from_db()
    assert last.status == Status.CANCELLED

    clock.move_to(datetime(2026, 3, 13, 14, 0, tzinfo=UTC))
    assert _evening(patient.user)["2026-03-13"] == ("pause", "last_dose")
    assert _evening(patient.user)["2026-03-14"] == ("pause", "no_ldn")
    clock.move_to(datetime(2026, 3, 13, 23, 30, tzinfo=UTC))
    row = Notification.objects.get(
        recipient=patient.user, channel="in_app", context__moment="last_dose", status="pending"
    )
    sent = _send(row)
    assert sent.title == "Tonight is your last LDN dose before your procedure"
    assert sent.body == (
        "Take tonight's dose as usual. From 14 Mar 2026, do not take LDN: a procedure on 16 Mar "
        "2026. Your care team will confirm your restart."
    )


def _last_dose_reminder(patient, clock, last_dose_on):
    clock.move_to(datetime.combine(last_dose_on, datetime.min.time(), tzinfo=UTC))
    services.reminders_replan(user=patient.user)
    row = Notification.objects.get(
        recipient=patient.user, channel="in_app", context__moment="last_dose", status="pending"
    )
    clock.move_to(row.due_at)
    return _send(row)


def test_a_morning_doser_hears_of_todays_last_dose(clock, patient, regimen, provider):
    Regimen.objects.filter(pk=regimen.pk).update(dose_time="morning")
    plan = plan_propose(
        patient=patient,
        created_by=patient.user,
        kind="procedure",
        today=TODAY,
        procedure_on=days(5),
    )
    plan_approve(plan=plan, decided_by=provider, today=TODAY)

    sent = _last_dose_reminder(patient, clock, days(2))

    assert sent.title == "Today is your last LDN dose before your procedure"
    assert sent.body.startswith("Take today's dose as usual. From 13 Mar 2026, do not take LDN")
    assert "tonight" not in (sent.title + sent.body).lower()


def test_the_last_dose_before_an_opioid_course_is_before_the_pause(
    clock, patient, regimen, provider
):
    plan = plan_propose(
        patient=patient,
        created_by=patient.user,
        kind="course",
        today=TODAY,
        medication_name="codeine 30 mg",
        course_starts_on=days(3),
        course_ends_on=days(5),
    )
    plan_approve(plan=plan, decided_by=provider, today=TODAY)

    sent = _last_dose_reminder(patient, clock, days(2))

    assert sent.title == "Tonight is your last LDN dose before your pause"
    assert "do not take LDN: codeine 30 mg from 13 Mar 2026 to 15 Mar 2026" in sent.body


def test_a_reminder_whose_day_changed_since_it_was_planned_is_not_sent(
    clock, patient, regimen, provider
):
    codeine = medication_add(patient=patient, name="codeine 30 mg", added_by=patient.user)
    services.reminders_replan(user=patient.user)
    row = Notification.objects.get(
        recipient=patient.user, kind="pause", channel="in_app", context__date="2026-03-10"
    )
    assert Regimen.objects.get(pk=regimen.pk).is_active

    # The name was a slip, corrected before the evening: nothing stands in the way of LDN
    # any more, so the "do not take LDN" row already queued is not sent.
    medication_update(medication=codeine, name="cetirizine 10 mg", dose_text="", started_on=None)

    assert _send(row).status == Status.SKIPPED


def _step_reminders(user):
    services.reminders_replan(user=user)
    return Notification.objects.filter(
        recipient=user, kind="step", channel="in_app", status=Status.PENDING
    )


def test_no_step_is_announced_for_a_day_an_opioid_stands_in_the_way(clock, patient, regimen):
    # Started 6 days ago on a weekly protocol: the step to 2 mg is planned for tomorrow.
    planned = _step_reminders(patient.user)
    assert sorted(planned.values_list("context__moment", flat=True)) == ["day", "eve"]
    eve = planned.get(context__moment="eve")

    medication_add(patient=patient, name="tramadol 50 mg", added_by=patient.user)

    assert not _step_reminders(patient.user).exists()
    # One already queued when the opioid was added is not sent either.
    eve.refresh_from_db()
    assert _send(eve).status == Status.SKIPPED


def test_no_step_is_announced_for_a_day_of_an_approved_pause(clock, patient, regimen, provider):
    # The procedure on 13 Mar: the last dose on 10 Mar, no LDN from 11 Mar, the step's day.
    plan = plan_propose(
        patient=patient,
        created_by=patient.user,
        kind="procedure",
        today=TODAY,
        procedure_on=days(3),
    )
    assert _step_reminders(patient.user).exists()  # proposed: nothing changes yet
    day = _step_reminders(patient.user).get(context__moment="day")

    plan_approve(plan=plan, decided_by=provider, today=TODAY)

    assert not _step_reminders(patient.user).exists()
    assert _evening(patient.user)["2026-03-11"] == ("pause", "no_ldn")
    day.refresh_from_db()
    clock.move_to(day.due_at)
    assert _send(day).status == Status.SKIPPED
