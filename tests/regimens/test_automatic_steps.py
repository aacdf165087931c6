"""Protocols without approval: the engine's due step-ups are applied on their day, once the
dose was taken on enough of the days since the step began and nothing stands in the way of
LDN (docs/clinical-rules.md §3.7, §3.8)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from patients.services.medications import medication_add
from patients.services.side_effects import side_effect_report
from regimens.models import DecisionReason, Protocol
from regimens.selectors.engine import recommendation_for
from regimens.services.reports import dose_log_mark, regimen_request_hold
from regimens.services.schedule import regimens_apply_automatic_steps
from regimens.tasks import apply_automatic_steps
from tests.regimens.conftest import TODAY, WEEKLY

D = Decimal


@pytest.fixture
def no_approval(db):
    Protocol.objects.filter(family=WEEKLY).update(requires_approval=False)


def _dose(regimen):
    return regimen.steps.get(status="current").dose_mg


def _log(regimen, days_ago, *, missed=(), unlogged=()):
    """Mark the doses of the days `days_ago`..1 before TODAY taken, but `missed` (those days
    ago) missed and `unlogged` left without an answer."""
    for ago in range(days_ago, 0, -1):
        if ago in unlogged:
            continue
        dose_log_mark(
            regimen=regimen,
            on=TODAY - timedelta(days=ago),
            status="missed" if ago in missed else "taken",
            recorded_by=regimen.patient.user,
            evaluate_flags=False,
        )


@pytest.mark.django_db
def test_it_applies_a_due_step_once_and_records_it_as_automatic(
    no_approval, patient, team, start_regimen
):
    regimen = start_regimen(patient, team, days_ago=7)
    _log(regimen, 7)

    assert regimens_apply_automatic_steps(today=TODAY) == 1
    assert regimens_apply_automatic_steps(today=TODAY) == 0

    current = regimen.steps.get(status="current")
    assert (current.dose_mg, current.started_on, current.automatic) == (D("2"), TODAY, True)
    assert current.decided_by is None
    event = regimen.events.get(kind="advanced")
    assert event.automatic and event.actor is None
    assert event.reason == DecisionReason.PROTOCOL_SCHEDULE
    assert event.by == "Automatic, on the protocol's schedule"
    assert regimen.steps.get(sequence=3).planned_on == TODAY + timedelta(days=7)


@pytest.mark.django_db
def test_it_leaves_steps_that_need_approval_to_the_provider(patient, team, start_regimen):
    regimen = start_regimen(patient, team, days_ago=7)

    assert regimens_apply_automatic_steps(today=TODAY) == 0
    assert _dose(regimen) == D("1")


@pytest.mark.django_db
def test_it_waits_for_the_due_date(no_approval, patient, team, start_regimen):
    regimen = start_regimen(patient, team, days_ago=6)

    assert regimens_apply_automatic_steps(today=TODAY) == 0
    assert _dose(regimen) == D("1")


@pytest.mark.django_db
def test_it_leaves_a_step_held_by_a_side_effect_or_a_patient_request(
    no_approval, patient, other_patient_user, team, start_regimen
):
    sore = start_regimen(patient, team, days_ago=7)
    side_effect_report(
        regimen=sore, on=TODAY - timedelta(days=1), kind="headache", severity=2, entered_by=team
    )
    other = other_patient_user.patient
    asked = start_regimen(other, team, days_ago=7)
    regimen_request_hold(regimen=asked, requested_by=other.user)

    assert regimens_apply_automatic_steps(today=TODAY) == 0
    assert _dose(sore) == _dose(asked) == D("1")


@pytest.mark.django_db
def test_it_uses_each_patients_local_date_without_a_today(
    frozen, no_approval, patient, team, start_regimen
):
    regimen = start_regimen(patient, team, days_ago=7)
    _log(regimen, 7)

    apply_automatic_steps()

    assert _dose(regimen) == D("2")
    assert regimen.steps.get(status="current").started_on == TODAY


@pytest.mark.django_db
@pytest.mark.parametrize(
    "missed, unlogged",
    [
        ((), range(1, 8)),  # nothing logged at all
        ((2, 5), ()),  # 5 of 7 taken: under 80%
        ((3,), (6,)),  # 5 of 7 taken, one missed and one not logged
    ],
)
def test_no_automatic_step_after_missed_or_unlogged_doses(
    no_approval, patient, team, start_regimen, missed, unlogged
):
    regimen = start_regimen(patient, team, days_ago=7)
    _log(regimen, 7, missed=missed, unlogged=unlogged)

    assert regimens_apply_automatic_steps(today=TODAY) == 0

    assert _dose(regimen) == D("1")
    recommendation = recommendation_for(regimen, TODAY)
    assert recommendation.action == "hold"
    assert recommendation.reasons[0].startswith("Doses missed or not logged: since 3 Mar")


@pytest.mark.django_db
def test_an_automatic_step_waits_for_one_dose_in_five_missed_but_not_more(
    no_approval, patient, team, start_regimen
):
    """80% of the 7 days is 5.6: 6 taken are enough (the unanswered today is not counted)."""
    regimen = start_regimen(patient, team, days_ago=7)
    _log(regimen, 7, missed=(4,))

    assert regimens_apply_automatic_steps(today=TODAY) == 1
    assert _dose(regimen) == D("2")


@pytest.mark.django_db
def test_no_automatic_step_while_an_opioid_is_on_the_list(
    frozen, no_approval, patient, team, start_regimen
):
    regimen = start_regimen(patient, team, days_ago=7)
    _log(regimen, 7)
    medication_add(patient=patient, name="tramadol 50 mg", added_by=patient.user)

    assert regimens_apply_automatic_steps(today=TODAY) == 0
    apply_automatic_steps()

    assert _dose(regimen) == D("1")
    assert recommendation_for(regimen, TODAY).action == "pause"
