"""Side effects from every source: the one read path and the same flag for each source."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from patients.models import DiaryEntry, Flag
from patients.selectors.side_effects import (
    DIARY_EFFECT_COLUMNS,
    side_effect_days,
    side_effects_for,
    side_effects_with,
)
from patients.services.diary import diary_entry_save
from patients.services.profile import care_team_add
from patients.services.side_effects import side_effect_report
from portal.notifications.models import Notification
from regimens.models import DecisionReason
from regimens.services.decisions import regimen_stop
from tests.factories import CaregiverFactory
from tests.patients.diary_factories import NOW, TODAY, DiaryEntryFactory, days_ago, start_regimen

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


@pytest.fixture
def regimen(patient, team):
    return start_regimen(patient, team, days_ago=3)


def test_a_severe_side_effect_reported_on_tonight_raises_the_urgent_flag_and_the_notice(
    patient, team, regimen
):
    side_effect_report(
        regimen=regimen, on=TODAY, kind="headache", severity=3, entered_by=patient.user
    )

    flag = Flag.objects.get(patient=patient, resolved_at__isnull=True)
    assert (flag.kind, flag.severity) == (Flag.Kind.SEVERE_SIDE_EFFECT, Flag.Severity.URGENT)
    assert flag.reason == (
        "Severe headache on 10 Mar 2026 (reported on Tonight): consider holding or stepping "
        "back the dose."
    )
    notice = Notification.objects.get(recipient=team, kind="safety", channel="in_app")
    assert notice.context["flag"] == flag.pk


def test_the_care_teams_report_is_named_as_theirs(patient, team, regimen):
    side_effect_report(regimen=regimen, on=TODAY, kind="nausea", severity=3, entered_by=team)

    flag = Flag.objects.get(patient=patient, resolved_at__isnull=True)
    assert "(recorded by the care team)" in flag.reason


def test_a_mild_report_raises_nothing(patient, regimen):
    side_effect_report(
        regimen=regimen, on=TODAY, kind="headache", severity=1, entered_by=patient.user
    )

    assert not Flag.objects.filter(patient=patient).exists()


def test_it_reads_one_row_per_day_and_item_at_the_worse_severity_with_its_source(
    patient, team, regimen
):
    yesterday = TODAY - timedelta(days=1)
    diary_entry_save(
        patient=patient,
        day=yesterday,
        entered_by=patient.user,
        today=TODAY,
        values={"headache": 1, "insomnia": 2},
    )
    side_effect_report(regimen=regimen, on=yesterday, kind="headache", severity=2, entered_by=team)
    side_effect_report(
        regimen=regimen, on=yesterday, kind="insomnia", severity=1, entered_by=patient.user
    )

    effects = side_effects_for(patient=patient, first=yesterday, last=TODAY)

    assert [(e.item, e.severity, e.source) for e in effects] == [
        ("insomnia", 2, "diary"),
        ("headache", 2, "care_team"),
    ]
    (day,) = side_effect_days(patient=patient, first=yesterday, last=TODAY)
    assert day.severities == {"insomnia": 2, "headache": 2}


def test_a_report_on_an_ended_regimen_is_refused_and_changes_nothing(patient, team, regimen):
    regimen_stop(
        regimen=regimen, decided_by=team, reason=DecisionReason.OTHER, today=TODAY, note="x"
    )

    with pytest.raises(ValidationError):
        side_effect_report(
            regimen=regimen, on=TODAY, kind="headache", severity=3, entered_by=patient.user
        )
    assert not patient.side_effect_reports.exists()


def test_side_effects_from_diary_days_already_read_are_those_of_the_one_read_path(
    patient, team, regimen
):
    """The trends read the diary once and hand its days to side_effects_with: the same side
    effects, severities and sources as side_effects_for reading the diary itself."""
    caregiver = CaregiverFactory()
    first, last = days_ago(6), TODAY
    DiaryEntryFactory(patient=patient, local_date=days_ago(7), headache=3)  # before the range
    DiaryEntryFactory(patient=patient, local_date=days_ago(6), headache=1, pain=4)
    DiaryEntryFactory(patient=patient, local_date=days_ago(5), pain=2)  # no side effect
    DiaryEntryFactory(
        patient=patient,
        local_date=days_ago(4),
        entered_by=caregiver,
        nausea=2,
        other_effect=1,
        other_effect_text="dry mouth",
    )
    DiaryEntryFactory(patient=patient, local_date=days_ago(2), insomnia=1, vivid_dreams=2)
    side_effect_report(
        regimen=regimen, on=days_ago(2), kind="insomnia", severity=2, entered_by=team
    )
    side_effect_report(
        regimen=regimen, on=days_ago(1), kind="headache", severity=1, entered_by=patient.user
    )
    rows = DiaryEntry.objects.filter(patient=patient, local_date__range=(first, last)).values(
        *DIARY_EFFECT_COLUMNS
    )

    found = side_effects_with(patient=patient, diary_rows=rows, first=first, last=last)

    assert found == side_effects_for(patient=patient, first=first, last=last)
    assert [(e.day, e.item, e.severity, e.source, e.note) for e in found] == [
        (days_ago(6), "headache", 1, "diary", ""),
        (days_ago(4), "nausea", 2, "caregiver", ""),
        (days_ago(4), "other", 1, "caregiver", "dry mouth"),
        (days_ago(2), "vivid_dreams", 2, "diary", ""),
        (days_ago(2), "insomnia", 2, "care_team", ""),
        (days_ago(1), "headache", 1, "tonight", ""),
    ]
