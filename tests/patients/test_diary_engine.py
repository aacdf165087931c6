"""The diary feeds the titration engine (regimens.selectors.engine_inputs_for)."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.services.diary import diary_entry_save
from patients.services.profile import care_team_add
from patients.services.side_effects import side_effect_report
from regimens import titration
from regimens.models import Regimen
from regimens.selectors.engine import engine_inputs_for, recommendation_for
from regimens.selectors.queue import titration_queue
from tests.factories import PatientUserFactory
from tests.patients.diary_factories import (
    NOW,
    TODAY,
    DiaryEntryFactory,
    days_ago,
    start_regimen,
    step_up,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(patient_user):
    return patient_user.patient


@pytest.fixture
def team(patient, provider):
    care_team_add(patient=patient, provider=provider, added_by=provider)
    return provider


def _fresh(regimen):
    return Regimen.objects.select_related("protocol", "patient__user").get(pk=regimen.pk)


def test_it_steps_back_on_a_severe_headache_in_the_diary(patient, team):
    regimen = start_regimen(patient, team, days_ago=14)
    step_up(regimen, team, days_ago=7, dose="2")
    DiaryEntryFactory(patient=patient, local_date=days_ago(1), headache=3)

    recommendation = recommendation_for(_fresh(regimen), TODAY)

    assert recommendation.action == titration.Action.STEP_BACK
    assert recommendation.dose_mg == 1  # the last tolerated dose
    assert "Severe headache" in recommendation.reasons[0]


def test_it_holds_on_a_moderate_side_effect_in_the_diary(patient, team):
    regimen = start_regimen(patient, team, days_ago=8)
    DiaryEntryFactory(patient=patient, local_date=days_ago(2), nausea=2)

    recommendation = recommendation_for(_fresh(regimen), TODAY)

    assert recommendation.action == titration.Action.HOLD
    assert recommendation.review_on == days_ago(2) + timedelta(days=7)


def test_it_merges_the_diary_with_side_effect_reports_at_the_worse_severity(patient, team):
    regimen = start_regimen(patient, team, days_ago=10)
    DiaryEntryFactory(
        patient=patient, local_date=days_ago(2), headache=1, insomnia=2, other_effect=1
    )
    DiaryEntryFactory(patient=patient, local_date=days_ago(11), headache=3)  # before the start
    DiaryEntryFactory(patient=patient, local_date=TODAY + timedelta(days=1), headache=3)
    side_effect_report(
        regimen=regimen, on=days_ago(2), kind="headache", severity=2, entered_by=patient.user
    )

    inputs = engine_inputs_for(_fresh(regimen), TODAY)

    assert sorted((e.day, e.kind, e.severity) for e in inputs.side_effects) == [
        (days_ago(2), "headache", 2),
        (days_ago(2), "insomnia", 2),
        (days_ago(2), "other", 1),
    ]


def test_it_counts_a_troubled_diary_day_against_the_last_tolerated_dose(patient, team):
    regimen = start_regimen(patient, team, days_ago=21)
    step_up(regimen, team, days_ago=14, dose="2")
    step_up(regimen, team, days_ago=7, dose="3")
    DiaryEntryFactory(patient=patient, local_date=days_ago(10), nausea=2)  # on 2 mg

    inputs = engine_inputs_for(_fresh(regimen), TODAY)

    assert inputs.state.last_tolerated_mg == 1


def test_it_puts_a_diary_side_effect_in_the_titration_queue_in_fixed_queries(team):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            list(titration_queue(provider=team).object_list)
        return len(captured)

    def patient_with_headache():
        patient = PatientUserFactory().patient
        care_team_add(patient=patient, provider=team, added_by=team)
        start_regimen(patient, team, days_ago=8)
        diary_entry_save(
            patient=patient,
            day=days_ago(1),
            entered_by=patient.user,
            today=TODAY,
            values={"headache": 2},
        )
        return patient

    first = patient_with_headache()
    few = queries()
    for _n in range(4):
        patient_with_headache()

    assert queries() == few
    queue = titration_queue(provider=team).object_list
    assert len(queue) == 5
    item = next(i for i in queue if i.patient.pk == first.pk)
    assert "side_effects" in item.why
    assert item.recommendation.action == titration.Action.HOLD
