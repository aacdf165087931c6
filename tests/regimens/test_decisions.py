"""The provider's decisions: each replans the remaining steps, writes its history, and is
refused (changing nothing) when it does not fit the regimen."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from patients.services.medications import medication_add
from patients.services.side_effects import side_effect_report
from regimens.models import DecisionReason, Regimen, RegimenEvent, TitrationStep
from regimens.services.decisions import (
    regimen_advance,
    regimen_hold,
    regimen_pause,
    regimen_resume,
    regimen_set_maintenance,
    regimen_step_back,
    regimen_stop,
    regimen_switch_dose_time,
)
from regimens.services.reports import dose_log_mark, regimen_request_hold
from tests.regimens.conftest import CAPSULES, CLINIC, NOW, TODAY

D = Decimal
WELL = DecisionReason.TOLERATING_WELL


def _plan(regimen):
    return [(s.dose_mg, s.starts_on, s.status) for s in regimen.steps.order_by("sequence")]


def _snapshot(regimen):
    regimen.refresh_from_db()
    return (
        regimen.status,
        regimen.dose_time,
        _plan(regimen),
        regimen.events.count(),
        regimen.history.count(),
    )


def _day(n):
    return TODAY + timedelta(days=n)


@pytest.fixture
def due(patient, team, start_regimen):
    """1 mg weekly, started 8 days ago: the 2 mg step was due yesterday."""
    return start_regimen(patient, team, days_ago=8)


@pytest.mark.django_db
def test_it_steps_up_from_today_and_replans_the_rest(due, team):
    regimen_advance(
        regimen=due, dose_mg=D("2"), decided_by=team, reason=WELL, today=TODAY, note="Fine"
    )

    assert _plan(due) == [
        (D("1"), _day(-8), "done"),
        (D("2"), TODAY, "current"),
        (D("3"), _day(7), "planned"),
        (D("4"), _day(14), "planned"),
        (D("4.5"), _day(21), "planned"),
    ]
    current = due.steps.get(status="current")
    assert (current.decided_by, current.reason, current.automatic) == (team, WELL, False)
    event = due.events.get(kind=RegimenEvent.Kind.ADVANCED)
    assert (event.from_mg, event.to_mg, event.note, event.actor) == (D("1"), D("2"), "Fine", team)
    assert "Stepped up from 1 mg to 2 mg" in event.summary
    assert current.history.first().history_change_reason == f"advanced: {WELL}"


@pytest.mark.parametrize(
    ("dose", "expected"),
    [
        ("1", "goes above the current 1 mg"),
        ("0.5", "goes above the current 1 mg"),
        ("5", "above this protocol's ceiling"),
        ("30", "standard-dose naltrexone"),
        ("2.25", "0.1 mL steps"),
    ],
)
@pytest.mark.django_db
def test_it_refuses_a_step_up_to_a_dose_outside_the_rules(due, team, dose, expected):
    before = _snapshot(due)

    with pytest.raises(ValidationError) as refused:
        regimen_advance(regimen=due, dose_mg=D(dose), decided_by=team, reason=WELL, today=TODAY)

    assert expected in " ".join(refused.value.message_dict["dose_mg"])
    assert _snapshot(due) == before


@pytest.mark.django_db
def test_it_steps_above_the_ceiling_only_with_a_written_decision(due, team):
    regimen_advance(
        regimen=due,
        dose_mg=D("5"),
        decided_by=team,
        reason=WELL,
        today=TODAY,
        above_ceiling_reason="Partial response at 4.5 mg before",
    )

    current = due.steps.get(status="current")
    assert current.dose_mg == D("5")
    assert current.above_ceiling_reason == "Partial response at 4.5 mg before"
    assert not due.steps.filter(status="planned").exists()


@pytest.mark.django_db
def test_it_holds_the_next_step_to_a_new_date(due, team):
    regimen_hold(
        regimen=due,
        until=_day(5),
        decided_by=team,
        reason=DecisionReason.SIDE_EFFECTS,
        today=TODAY,
    )

    assert _plan(due)[:3] == [
        (D("1"), _day(-8), "current"),
        (D("2"), _day(5), "planned"),
        (D("3"), _day(12), "planned"),
    ]
    event = due.events.get(kind="held")
    assert event.effective_on == _day(5)
    assert "the next step moves to 15 Mar 2026" in event.summary


@pytest.mark.parametrize("days", [0, -1, 91])
@pytest.mark.django_db
def test_it_refuses_a_hold_date_not_after_today_or_too_far(due, team, days):
    before = _snapshot(due)

    with pytest.raises(ValidationError) as refused:
        regimen_hold(regimen=due, until=_day(days), decided_by=team, reason=WELL, today=TODAY)

    assert "after today and at most 90 days ahead" in refused.value.message_dict["until"][0]
    assert _snapshot(due) == before


@pytest.mark.django_db
def test_it_steps_back_and_titrates_up_again(due, team):
    regimen_advance(regimen=due, dose_mg=D("2"), decided_by=team, reason=WELL, today=TODAY)

    regimen_step_back(
        regimen=due,
        dose_mg=D("1"),
        decided_by=team,
        reason=DecisionReason.SIDE_EFFECTS,
        today=_day(3),
    )

    assert _plan(due)[2:4] == [(D("1"), _day(3), "current"), (D("2"), _day(10), "planned")]
    with pytest.raises(ValidationError, match="goes below the current 1 mg"):
        regimen_step_back(regimen=due, dose_mg=D("1"), decided_by=team, reason=WELL, today=_day(3))


@pytest.mark.django_db
def test_it_sets_maintenance_once(due, team):
    regimen_set_maintenance(regimen=due, decided_by=team, reason=WELL, today=TODAY)

    due.refresh_from_db()
    assert _plan(due) == [(D("1"), _day(-8), "current")]
    assert due.on_maintenance
    with pytest.raises(ValidationError, match="already stays on 1 mg"):
        regimen_set_maintenance(regimen=due, decided_by=team, reason=WELL, today=TODAY)
    with pytest.raises(ValidationError, match="no next step to hold"):
        regimen_hold(regimen=due, until=_day(3), decided_by=team, reason=WELL, today=TODAY)


@pytest.mark.django_db
def test_it_switches_the_dose_time_of_the_current_and_planned_steps(due, team):
    regimen_advance(regimen=due, dose_mg=D("2"), decided_by=team, reason=WELL, today=TODAY)

    regimen_switch_dose_time(
        regimen=due,
        dose_time="morning",
        decided_by=team,
        reason=DecisionReason.SIDE_EFFECTS,
        today=TODAY,
    )

    due.refresh_from_db()
    times = [s.dose_time for s in due.steps.order_by("sequence")]
    assert due.dose_time == "morning"
    assert times == ["bedtime", "morning", "morning", "morning", "morning"]
    with pytest.raises(ValidationError, match="already taken in the morning"):
        regimen_switch_dose_time(
            regimen=due, dose_time="morning", decided_by=team, reason=WELL, today=TODAY
        )


@pytest.mark.django_db
def test_it_pauses_and_resumes_at_the_old_dose_after_a_short_break(due, team):
    regimen_pause(regimen=due, decided_by=team, reason=DecisionReason.SURGERY, today=TODAY)
    due.refresh_from_db()
    assert (due.status, due.paused_on) == ("paused", TODAY)
    assert not due.steps.filter(status="planned").exists()
    with pytest.raises(ValidationError, match="paused. Resume it first"):
        regimen_advance(regimen=due, dose_mg=D("2"), decided_by=team, reason=WELL, today=TODAY)

    regimen_resume(regimen=due, dose_mg=D("1"), decided_by=team, reason=WELL, today=_day(10))

    due.refresh_from_db()
    assert (due.status, due.paused_on) == ("active", None)
    assert _plan(due)[1:3] == [(D("1"), _day(10), "current"), (D("2"), _day(17), "planned")]
    with pytest.raises(ValidationError, match="nothing to resume"):
        regimen_resume(regimen=due, dose_mg=D("1"), decided_by=team, reason=WELL, today=TODAY)


@pytest.mark.django_db
def test_it_suggests_the_old_dose_within_two_weeks_and_the_start_dose_after(
    patient, team, start_regimen
):
    from regimens.selectors.engine import resume_dose_suggestion

    regimen = start_regimen(patient, team, family=CLINIC, formulation=CAPSULES, days_ago=20)
    regimen_advance(regimen=regimen, dose_mg=D("3"), decided_by=team, reason=WELL, today=TODAY)
    regimen_pause(regimen=regimen, decided_by=team, reason=DecisionReason.SURGERY, today=TODAY)
    regimen = Regimen.objects.get(pk=regimen.pk)

    assert resume_dose_suggestion(regimen, _day(14)) == D("3")
    assert resume_dose_suggestion(regimen, _day(15)) == D("1.5")


@pytest.mark.django_db
def test_it_refuses_to_resume_while_an_opioid_blocks_unless_overridden(patient, due, team):
    regimen_pause(regimen=due, decided_by=team, reason=DecisionReason.OPIOID_NEEDED, today=TODAY)
    medication_add(patient=patient, name="Oxycodone 5 mg", added_by=team)

    with pytest.raises(ValidationError) as refused:
        regimen_resume(regimen=due, dose_mg=D("1"), decided_by=team, reason=WELL, today=_day(2))
    assert (
        "Oxycodone 5 mg is still taken" in refused.value.message_dict["opioid_override_reason"][0]
    )
    due.refresh_from_db()
    assert due.status == "paused"

    regimen_resume(
        regimen=due,
        dose_mg=D("1"),
        decided_by=team,
        reason=WELL,
        today=_day(2),
        opioid_override_reason="One dose only, 6 hours apart",
    )
    due.refresh_from_db()
    assert due.status == "active"
    assert due.events.filter(kind="opioid_override").exists()


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        (DecisionReason.PATIENT_REQUEST, "stopped"),
        (DecisionReason.TREATMENT_COMPLETED, "completed"),
    ],
)
@pytest.mark.django_db
def test_it_stops_or_completes_a_regimen(due, team, reason, status):
    regimen_stop(regimen=due, decided_by=team, reason=reason, today=TODAY)

    due.refresh_from_db()
    assert (due.status, due.ended_on) == (status, TODAY)
    assert set(due.steps.values_list("status", flat=True)) == {"done"}
    assert due.events.first().kind == status


DECISIONS = [
    (regimen_advance, {"dose_mg": D("2")}),
    (regimen_hold, {"until": TODAY + timedelta(days=3)}),
    (regimen_step_back, {"dose_mg": D("0.5")}),
    (regimen_set_maintenance, {}),
    (regimen_switch_dose_time, {"dose_time": "morning"}),
    (regimen_pause, {}),
    (regimen_resume, {"dose_mg": D("1")}),
    (regimen_stop, {}),
]


@pytest.mark.parametrize(("decide", "extra"), DECISIONS)
@pytest.mark.django_db
def test_it_refuses_any_decision_on_a_stopped_regimen_and_changes_nothing(due, team, decide, extra):
    regimen_stop(regimen=due, decided_by=team, reason=WELL, today=TODAY)
    before = _snapshot(due)

    with pytest.raises(ValidationError) as refused:
        decide(regimen=due, decided_by=team, reason=WELL, today=_day(1), **extra)

    assert (
        "This regimen is stopped (since 10 Mar 2026), so it cannot be changed"
        in (refused.value.messages[0])
    )
    assert _snapshot(due) == before


@pytest.mark.django_db
def test_it_records_a_patients_hold_request_until_a_provider_decides(patient, due, team):
    regimen_request_hold(regimen=due, requested_by=patient.user, note="Bad week")

    due.refresh_from_db()
    assert due.hold_requested_at is not None and due.hold_request_note == "Bad week"
    assert due.events.get(kind="hold_requested").actor == patient.user

    regimen_hold(
        regimen=due,
        until=_day(7),
        decided_by=team,
        reason=DecisionReason.PATIENT_REQUEST,
        today=TODAY,
    )

    due.refresh_from_db()
    assert due.hold_requested_at is None and due.hold_request_note == ""


@pytest.mark.django_db
def test_it_refuses_side_effects_and_dose_logs_on_an_ended_regimen(patient, due, team):
    regimen_stop(regimen=due, decided_by=team, reason=WELL, today=TODAY)

    with pytest.raises(ValidationError, match="has ended"):
        side_effect_report(
            regimen=due, on=TODAY, kind="headache", severity=2, entered_by=patient.user
        )
    with pytest.raises(ValidationError, match="only while the regimen is open"):
        dose_log_mark(regimen=due, on=TODAY, status="taken", recorded_by=patient.user)


@pytest.mark.django_db
def test_it_logs_one_dose_per_day_and_updates_it(patient, due):
    dose_log_mark(regimen=due, on=TODAY, status="missed", recorded_by=patient.user)
    log = dose_log_mark(regimen=due, on=TODAY, status="taken", recorded_by=patient.user)

    assert due.dose_logs.get() == log
    assert (log.status, log.dose_mg) == ("taken", D("1"))
    with pytest.raises(ValidationError, match="not started yet"):
        dose_log_mark(regimen=due, on=_day(-9), status="taken", recorded_by=patient.user)


@pytest.mark.django_db
def test_it_keeps_history_of_regimens_and_steps(due, team):
    regimen_advance(regimen=due, dose_mg=D("2"), decided_by=team, reason=WELL, today=TODAY)

    assert due.history.count() >= 2
    assert TitrationStep.history.filter(regimen_id=due.pk, history_type="-").exists()


# Every decision closes the same way: its plan-history line, a history row with the reason,
# and the patient's reminders planned again once it commits. A decision that stopped doing
# any of the three fails here.


def _sentinel_reminder(patient):
    """A future dose reminder no planner wants: a replan cancels it."""
    from portal.notifications.models import Kind, Notification

    return Notification.objects.create(
        recipient=patient.user,
        kind=Kind.DOSE,
        channel="in_app",
        due_at=NOW + timedelta(hours=1),
        dedupe_key=f"dose:{patient.user_id}:sentinel",
        context={"date": "2099-01-01"},
    )


def _paused(patient, team, start_regimen):
    regimen = start_regimen(patient, team, days_ago=8)
    return regimen_pause(
        regimen=regimen, decided_by=team, reason=DecisionReason.SURGERY, today=_day(-1)
    )


DECISION_CASES = {
    "advance": (
        "advanced",
        regimen_advance,
        RegimenEvent.Kind.ADVANCED,
        lambda r: {"dose_mg": D("2"), "reason": WELL},
    ),
    "hold": (
        "held",
        regimen_hold,
        RegimenEvent.Kind.HELD,
        lambda r: {"until": _day(5), "reason": DecisionReason.SIDE_EFFECTS},
    ),
    "step_back": (
        "stepped back",
        regimen_step_back,
        RegimenEvent.Kind.STEPPED_BACK,
        lambda r: {"dose_mg": D("0.5"), "reason": DecisionReason.SIDE_EFFECTS},
    ),
    "maintenance": (
        "maintenance",
        regimen_set_maintenance,
        RegimenEvent.Kind.MAINTENANCE,
        lambda r: {"reason": WELL},
    ),
    "dose_time": (
        "dose time",
        regimen_switch_dose_time,
        RegimenEvent.Kind.DOSE_TIME,
        lambda r: {"dose_time": "morning", "reason": DecisionReason.SIDE_EFFECTS},
    ),
    "pause": ("paused", regimen_pause, RegimenEvent.Kind.PAUSED, lambda r: {"reason": WELL}),
    "resume": (
        "resumed",
        regimen_resume,
        RegimenEvent.Kind.RESUMED,
        lambda r: {"dose_mg": D("1"), "reason": WELL},
    ),
    "stop": ("stopped", regimen_stop, RegimenEvent.Kind.STOPPED, lambda r: {"reason": WELL}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", DECISION_CASES)
def test_every_decision_writes_its_event_its_history_and_replans_the_reminders(
    name, patient, team, start_regimen, frozen, django_capture_on_commit_callbacks
):
    from portal.notifications.models import Notification

    why, service, kind, values = DECISION_CASES[name]
    if name == "resume":
        regimen = _paused(patient, team, start_regimen)
    else:
        regimen = start_regimen(patient, team, days_ago=8)
    sentinel = _sentinel_reminder(patient)
    events, history = regimen.events.count(), regimen.history.count()

    with django_capture_on_commit_callbacks(execute=True):
        service(regimen=regimen, decided_by=team, today=TODAY, **values(regimen))

    assert regimen.events.count() == events + 1
    assert regimen.events.first().kind == kind
    assert regimen.history.count() > history
    assert regimen.history.first().history_change_reason.startswith(f"{why}: ")
    sentinel.refresh_from_db()
    assert sentinel.status == Notification.Status.CANCELLED
