"""Writes to the diary (patients/diary_services.py): entries, the morning check-in, PGIC,
flags and reviews."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from patients.models import DiaryEntry, Flag, PGICResponse
from patients.services.diary import diary_entry_save, morning_checkin_record
from patients.services.flags import flags_evaluate, flags_evaluate_all
from patients.services.medications import medication_add
from patients.services.pgic import pgic_record
from patients.services.profile import care_team_add
from patients.services.reviews import review_record
from patients.tasks import evaluate_flags
from portal.notifications.models import Notification
from regimens.models import DoseLog
from regimens.services.reports import dose_log_mark
from tests.patients.diary_factories import (
    NOW,
    TODAY,
    DiaryEntryFactory,
    days_ago,
    diary_days,
    open_flags,
    start_regimen,
    step_up,
)
from tests.patients.factories import ConditionFactory

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
    return start_regimen(patient, team)


def save(patient, day=TODAY, *, dose="", regimen=None, **values):
    return diary_entry_save(
        patient=patient,
        day=day,
        entered_by=patient.user,
        today=TODAY,
        values=values,
        dose_status=dose,
        now=NOW,
    )


# Entries ----------------------------------------------------------------------------------------


def test_it_keeps_one_entry_per_day_and_every_version(patient):
    save(patient, pain=6, notes="Rough night")
    entry = save(patient, pain=4, notes="Better by lunch")

    assert DiaryEntry.objects.filter(patient=patient).count() == 1
    assert entry.pain == 4 and entry.notes == "Better by lunch"
    assert [h.pain for h in entry.history.order_by("history_id")] == [6, 4]
    assert entry.entered_by == patient.user and entry.created_at == NOW


def test_it_refuses_a_future_day_and_a_day_past_the_edit_window(patient):
    with pytest.raises(ValidationError) as future:
        save(patient, TODAY + timedelta(days=1), pain=3)
    with pytest.raises(ValidationError) as late:
        save(patient, days_ago(4), pain=3)

    assert future.value.messages == [
        "A diary day cannot be in the future: choose 10 Mar 2026 or earlier."
    ]
    assert late.value.messages == ["Entries can be changed for 3 days; this one is from 6 Mar."]
    save(patient, days_ago(3), pain=3)  # the third day back is still open
    assert DiaryEntry.objects.filter(patient=patient).count() == 1


def test_it_refuses_scores_outside_their_scales(patient):
    with pytest.raises(ValidationError) as error:
        save(patient, pain=11, headache=4)

    assert error.value.message_dict == {
        "pain": ["Pain is scored 0 to 10."],
        "headache": ["Choose none, mild, moderate or severe."],
    }
    assert not DiaryEntry.objects.exists()


def test_it_records_the_dose_answer_in_the_dose_log(patient, regimen):
    save(patient, dose="taken", regimen=regimen, pain=5)
    save(patient, days_ago(1), dose="missed", regimen=regimen, pain=5)
    save(patient, dose="taken", regimen=regimen, pain=4)  # unchanged: no new version

    logs = {log.on: log for log in DoseLog.objects.filter(regimen=regimen)}
    assert logs[TODAY].status == "taken" and logs[TODAY].dose_mg == Decimal("1")
    assert logs[days_ago(1)].status == "missed"
    assert logs[TODAY].history.count() == 1


def test_it_keeps_nothing_when_the_dose_log_refuses(patient, team):
    regimen = start_regimen(patient, team, days_ago=0)

    with pytest.raises(ValidationError) as error:
        save(patient, days_ago(1), dose="taken", regimen=regimen, pain=5)

    assert "dose" in error.value.message_dict
    assert not DiaryEntry.objects.exists() and not DoseLog.objects.exists()


def test_it_fills_todays_entry_from_the_two_taps_of_the_morning_check_in(patient):
    morning_checkin_record(patient=patient, today=TODAY, entered_by=patient.user, sleep_quality=2)
    entry = morning_checkin_record(
        patient=patient, today=TODAY, entered_by=patient.user, vivid_dreams=2
    )

    assert (entry.local_date, entry.sleep_quality, entry.vivid_dreams) == (TODAY, 2, 2)
    assert entry.morning_checkin_at == NOW
    # The full diary later fills the same entry.
    assert save(patient, pain=3).pk == entry.pk
    assert DiaryEntry.objects.get().sleep_quality == 2


# PGIC -------------------------------------------------------------------------------------------


def test_it_records_pgic_and_changes_a_second_answer_the_same_day(patient):
    first = pgic_record(
        patient=patient, score=3, entered_by=patient.user, occasion="four_weekly", on=TODAY
    )
    again = pgic_record(
        patient=patient, score=2, entered_by=patient.user, occasion="four_weekly", on=TODAY
    )

    assert first.pk == again.pk and PGICResponse.objects.get().score == 2
    with pytest.raises(ValidationError):
        pgic_record(patient=patient, score=8, entered_by=patient.user, occasion="checkin", on=TODAY)


# Flags ------------------------------------------------------------------------------------------


def test_it_raises_an_urgent_flag_and_a_safety_notice_for_a_severe_side_effect(patient, team):
    save(patient, headache=3)
    save(patient, headache=3, notes="still bad")  # no second flag

    (flag,) = open_flags(patient)
    assert (flag.kind, flag.severity, flag.cause) == (
        "severe_side_effect",
        Flag.Severity.URGENT,
        "diary:severe:2026-03-10:headache",
    )
    assert flag.reason.startswith("Severe headache on 10 Mar 2026 (in the diary)")
    notices = Notification.objects.filter(recipient=team, kind="safety")
    assert notices.exists() and all(n.context["flag"] == flag.pk for n in notices)


def test_it_does_not_raise_a_reviewed_cause_again(patient, team):
    save(patient, headache=3)
    review_record(patient=patient, reviewed_by=team, flags=open_flags(patient), note="Called her")

    save(patient, headache=3, notes="edited")
    save(patient, days_ago(1), nausea=3)

    assert [f.cause for f in open_flags(patient)] == ["diary:severe:2026-03-09:nausea"]


def test_it_clears_a_flag_when_the_patient_corrects_the_entry(patient):
    save(patient, headache=3)
    save(patient, headache=1)

    flag = Flag.objects.get(patient=patient)
    assert flag.resolved_at == NOW and flag.resolved_by is None
    assert flag.resolution_note == "The diary entry was changed and no longer shows it."


def test_it_leaves_the_opioid_flag_to_the_medication_rules(patient):
    medication_add(patient=patient, name="Tramadol 50 mg", added_by=patient.user)

    save(patient, pain=4)

    assert [f.kind for f in open_flags(patient)] == ["opioid"]


def test_it_flags_thyroid_symptoms_for_a_patient_on_thyroid_hormone_or_with_hashimotos(
    patient, other_patient_user
):
    medication_add(patient=patient, name="Levothyroxine 50 mcg", added_by=patient.user)
    other = other_patient_user.patient
    other.conditions.add(ConditionFactory(slug="hashimotos", is_thyroid=True))

    save(patient, palpitations=2)
    save(other, palpitations=2)

    assert [f.kind for f in open_flags(patient)] == ["thyroid_symptoms"]
    assert [f.kind for f in open_flags(other)] == ["thyroid_symptoms"]


def test_it_flags_a_moderate_side_effect_lasting_after_a_step_up(patient, team):
    regimen = start_regimen(patient, team, days_ago=10)
    step_up(regimen, team, days_ago=5, dose="2")
    diary_days(patient, [4, 3, 2], insomnia=2)

    save(patient, days_ago(1), insomnia=2)

    (flag,) = open_flags(patient)
    assert flag.cause == "diary:lasting:2026-03-05:insomnia"
    assert "since the dose went up on 5 Mar 2026" in flag.reason


def test_it_flags_a_silent_diary_and_clears_it_when_the_patient_writes(patient, regimen):
    DiaryEntryFactory(patient=patient, local_date=days_ago(20))

    flags_evaluate(patient=patient, today=TODAY, now=NOW)
    (flag,) = open_flags(patient)
    assert flag.kind == "silent_diary" and flag.cause == "diary:silent:2026-02-19"

    save(patient, pain=2)
    assert open_flags(patient) == []
    flag.refresh_from_db()
    assert flag.resolution_note.startswith("The patient wrote in the diary again")


def test_it_moves_the_missed_doses_flag_to_the_newest_missed_dose(patient, team):
    regimen = start_regimen(patient, team, days_ago=6)
    for n in (5, 3, 1):
        dose_log_mark(regimen=regimen, on=days_ago(n), status="missed", recorded_by=patient.user)
    flags_evaluate(patient=patient, today=TODAY, now=NOW)
    (first,) = open_flags(patient, "missed_doses")

    dose_log_mark(regimen=regimen, on=TODAY, status="missed", recorded_by=team)
    flags_evaluate(patient=patient, today=TODAY, now=NOW)

    (moved,) = open_flags(patient, "missed_doses")
    assert moved.pk == first.pk and moved.cause == "doses:missed:2026-03-10"
    assert moved.reason.startswith("4 doses missed in the 7 days to 10 Mar 2026")


def test_it_evaluates_every_diary_keeper_and_regimen_patient_from_the_task(
    patient, other_patient_user, regimen
):
    DiaryEntryFactory(patient=other_patient_user.patient, local_date=days_ago(30))

    assert evaluate_flags() == 2
    assert [f.kind for f in open_flags(other_patient_user.patient)] == ["silent_diary"]
    assert open_flags(patient) == []  # its regimen started 3 days ago
    assert flags_evaluate_all() == 2  # idempotent
    assert Flag.objects.count() == 1


# Reviews ----------------------------------------------------------------------------------------


def test_it_closes_the_flags_a_review_covers_and_keeps_the_review(patient, team):
    save(patient, headache=3, nausea=3)
    headache, nausea = open_flags(patient)

    review = review_record(patient=patient, reviewed_by=team, flags=[headache], note=" Seen ")

    headache.refresh_from_db()
    assert (headache.resolved_at, headache.resolved_by, headache.resolution_note) == (
        NOW,
        team,
        "Seen",
    )
    assert list(review.flags.all()) == [headache]
    assert (review.reviewed_by, review.note, review.reviewed_at) == (team, "Seen", NOW)
    assert open_flags(patient) == [nausea]


def test_it_skips_flags_already_closed_and_refuses_non_providers(patient, team, other_provider):
    save(patient, headache=3)
    (flag,) = open_flags(patient)
    review_record(patient=patient, reviewed_by=other_provider, flags=[flag])

    later = review_record(patient=patient, reviewed_by=team, flags=[flag], note="Me too")

    assert list(later.flags.all()) == []
    flag.refresh_from_db()
    assert flag.resolved_by == other_provider
    with pytest.raises(ValueError):
        review_record(patient=patient, reviewed_by=patient.user, flags=[])


def test_it_schedules_the_flag_task_where_the_worker_finds_it(settings):
    from portal.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["patients-evaluate-diary-flags"]

    assert entry["task"] in app.tasks
