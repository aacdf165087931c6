"""The regimens' first days that the diary and the trends count from (the PGIC's interval,
the trends' default range and baseline) are read in one query and agree with the treatment's
full facts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.treatment import RegimenStarts, treatment
from regimens.models import DecisionReason
from regimens.services.decisions import regimen_stop
from tests.regimens.conftest import TODAY

pytestmark = pytest.mark.django_db


def _starts(patient, today=TODAY) -> RegimenStarts:
    with CaptureQueriesContext(connection) as captured:
        starts = treatment().regimen_starts(patient=patient, today=today)
    assert len(captured) == 1
    facts = treatment().facts(patient=patient, today=today, missed_since=today)
    assert (starts.active, starts.latest) == (facts.regimen_started_on, facts.latest_started_on)
    return starts


def test_a_patient_without_a_regimen_has_no_first_days(patient):
    assert _starts(patient) == RegimenStarts(active=None, latest=None)


def test_the_active_regimen_is_also_the_latest_begun(patient, team, start_regimen):
    start_regimen(patient, team, days_ago=40)

    assert _starts(patient) == RegimenStarts(
        active=TODAY - timedelta(days=40), latest=TODAY - timedelta(days=40)
    )


def test_a_stopped_regimen_stays_the_latest_begun_until_the_next_one_starts(
    patient, team, start_regimen
):
    first = start_regimen(patient, team, days_ago=120)
    regimen_stop(regimen=first, decided_by=team, reason=DecisionReason.TOLERATING_WELL, today=TODAY)
    assert _starts(patient) == RegimenStarts(active=None, latest=first.started_on)

    later = TODAY + timedelta(days=3)
    start_regimen(patient, team, days_ago=-3)

    assert _starts(patient) == RegimenStarts(active=later, latest=first.started_on)
    assert _starts(patient, today=later) == RegimenStarts(active=later, latest=later)
