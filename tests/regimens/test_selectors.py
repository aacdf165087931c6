"""Reads: the engine's inputs, the titration queue and the patient's Tonight."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from patients.services.profile import care_team_add
from patients.services.side_effects import side_effect_report
from regimens import titration
from regimens.models import DecisionReason, Regimen
from regimens.selectors.engine import engine_inputs_for, recommendation_for
from regimens.selectors.queue import titration_queue
from regimens.selectors.regimens import current_regimen, regimen_for, tonight_for
from regimens.services.decisions import regimen_advance, regimen_stop
from regimens.services.reports import regimen_request_hold
from tests.factories import PatientUserFactory
from tests.regimens.conftest import CAPSULES, CLINIC, TODAY, log_taken

D = Decimal
WELL = DecisionReason.TOLERATING_WELL


def _day(n):
    return TODAY + timedelta(days=n)


def _report(regimen, days_ago, severity=2, kind="headache"):
    side_effect_report(
        regimen=regimen,
        on=_day(-days_ago),
        kind=kind,
        severity=severity,
        entered_by=regimen.patient.user,
    )


@pytest.mark.django_db
def test_it_gathers_the_engine_inputs_from_steps_and_side_effect_reports(
    patient, team, start_regimen
):
    regimen = start_regimen(patient, team, days_ago=21)
    regimen_advance(regimen=regimen, dose_mg=D("2"), decided_by=team, reason=WELL, today=_day(-14))
    regimen_advance(regimen=regimen, dose_mg=D("3"), decided_by=team, reason=WELL, today=_day(-7))
    _report(regimen, 10)  # moderate, while on 2 mg
    _report(regimen, 2, severity=3, kind="nausea")
    _report(regimen, -1)  # tomorrow: not counted today

    inputs = engine_inputs_for(Regimen.objects.get(pk=regimen.pk), TODAY)

    assert inputs.rules.step_mg == D("1") and inputs.rules.interval_days == 7
    assert inputs.rules.dose_quantum_mg == D("0.1")  # 0.1 mL of a 1 mg/mL liquid
    assert inputs.state == titration.State(
        dose_mg=D("3"), step_started=_day(-7), dose_time="bedtime", last_tolerated_mg=D("1")
    )
    assert sorted(e.day for e in inputs.side_effects) == [_day(-10), _day(-2)]


@pytest.mark.django_db
def test_it_rounds_a_step_back_to_what_capsules_can_make(patient, team, start_regimen):
    regimen = start_regimen(patient, team, family=CLINIC, formulation=CAPSULES, days_ago=14)
    regimen_advance(regimen=regimen, dose_mg=D("3"), decided_by=team, reason=WELL, today=TODAY)
    _report(regimen, 0, severity=3)

    recommendation = recommendation_for(Regimen.objects.get(pk=regimen.pk), TODAY)

    assert recommendation.action == titration.Action.STEP_BACK
    assert recommendation.dose_mg == D("1.5")


@pytest.fixture
def queue_world(patient, other_patient_user, team, other_provider, start_regimen, frozen):
    """Four team patients in different states, and one on another provider's team."""
    due = log_taken(start_regimen(patient, team, days_ago=7))
    other = other_patient_user.patient
    care_team_add(patient=other, provider=team, added_by=team)
    sore = start_regimen(other, team, days_ago=3)
    _report(sore, 1, severity=3)
    quiet_user = PatientUserFactory(name="Quinn Quiet")
    care_team_add(patient=quiet_user.patient, provider=team, added_by=team)
    start_regimen(quiet_user.patient, team, days_ago=2)
    asking_user = PatientUserFactory(name="Alex Asks")
    care_team_add(patient=asking_user.patient, provider=team, added_by=team)
    asking = start_regimen(asking_user.patient, team, days_ago=2)
    regimen_request_hold(regimen=asking, requested_by=asking_user, note="Travel")
    elsewhere_user = PatientUserFactory()
    care_team_add(patient=elsewhere_user.patient, provider=other_provider, added_by=other_provider)
    start_regimen(elsewhere_user.patient, other_provider, days_ago=7)
    return {"due": due, "sore": sore, "asking": asking}


@pytest.mark.django_db
def test_it_queues_due_held_and_step_back_decisions_most_pressing_first(queue_world, team):
    queue = titration_queue(provider=team).object_list

    assert [item.regimen for item in queue] == [
        queue_world["sore"],
        queue_world["asking"],
        queue_world["due"],
    ]
    sore, asking, due = queue
    assert sore.why == ("step_back", "side_effects")
    assert sore.recommendation.action == titration.Action.STEP_BACK
    assert asking.why == ("hold_requested",)
    assert due.why == ("due",) and due.due_on == TODAY
    assert due.recommendation.action == titration.Action.ADVANCE
    assert due.current_dose == "1 mg: 1.0 mL of your 1 mg/mL liquid"


@pytest.mark.django_db
def test_it_drops_a_regimen_from_the_queue_once_decided(queue_world, team):
    regimen_advance(
        regimen=queue_world["due"], dose_mg=D("2"), decided_by=team, reason=WELL, today=TODAY
    )

    assert queue_world["due"] not in [i.regimen for i in titration_queue(provider=team).object_list]


@pytest.mark.django_db
def test_it_builds_the_queue_in_a_fixed_number_of_queries(queue_world, team, start_regimen):
    with CaptureQueriesContext(connection) as small:
        list(titration_queue(provider=team).object_list)
    for _ in range(4):
        user = PatientUserFactory()
        care_team_add(patient=user.patient, provider=team, added_by=team)
        start_regimen(user.patient, team, days_ago=7)
    with CaptureQueriesContext(connection) as large:
        queue = titration_queue(provider=team).object_list

    assert len(queue) == 7
    assert len(large) == len(small) <= 4


@pytest.mark.django_db
def test_it_shows_tonight_in_the_patients_formulation(patient, team, start_regimen):
    regimen = start_regimen(patient, team, days_ago=7)

    tonight = tonight_for(patient=patient, today=TODAY)

    assert tonight.regimen == regimen
    assert tonight.dose_line == "1 mg: 1.0 mL of your 1 mg/mL liquid"
    assert tonight.next_line == "2 mg: 2.0 mL of your 1 mg/mL liquid"
    assert tonight.next_step.planned_on == TODAY and tonight.awaiting_decision
    assert [s.dose_mg for s in tonight.steps] == [D("1"), D("2"), D("3"), D("4"), D("4.5")]
    assert tonight.can_log and not tonight.paused and tonight.log is None


@pytest.mark.django_db
def test_it_has_no_tonight_without_an_open_regimen(patient, team, start_regimen):
    assert tonight_for(patient=patient, today=TODAY) is None

    regimen = start_regimen(patient, team)
    regimen_stop(regimen=regimen, decided_by=team, reason=WELL, today=TODAY)

    assert tonight_for(patient=patient, today=TODAY) is None
    assert current_regimen(patient=patient) is None


@pytest.mark.django_db
def test_it_finds_a_regimen_only_for_those_who_may_see_it(
    patient, team, other_provider, other_patient_user, start_regimen
):
    regimen = start_regimen(patient, team)

    assert regimen_for(team, patient=patient, pk=regimen.pk) == regimen
    assert regimen_for(patient.user, patient=patient, pk=regimen.pk) == regimen
    for viewer in (other_provider, other_patient_user):
        with pytest.raises(Http404):
            regimen_for(viewer, patient=patient, pk=regimen.pk)
    with pytest.raises(Http404):
        regimen_for(team, patient=other_patient_user.patient, pk=regimen.pk)
