"""The care team cannot lose an opioid: "Mark reviewed" acknowledges its flag while it still
blocks LDN, the flag closes by itself after the washout, and a new opioid or a dose taken
during a pause raises it again. Full-dose naltrexone is an urgent duplicate-therapy flag.
Every change of the opioid status writes a line in the plan history."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.models import Flag, PatientStatus
from patients.services.flags import flags_evaluate
from patients.services.medications import medication_add, medication_stop
from patients.services.reviews import review_record
from portal.notifications.models import Notification
from regimens.models import RegimenEvent
from regimens.services.decisions import regimen_pause
from regimens.services.plans import plan_approve, plan_propose
from regimens.services.reports import dose_log_mark
from tests.regimens.conftest import TODAY

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def regimen(clock, patient, team, start_regimen):
    return start_regimen(patient, team, days_ago=7)


def _open(patient, kind):
    return Flag.objects.filter(patient=patient, kind=kind, resolved_at__isnull=True)


def _status(patient):
    return PatientStatus.objects.get(patient=patient)


@pytest.mark.django_db
def test_mark_reviewed_acknowledges_an_opioid_flag_and_the_patient_stays_marked(
    clock, regimen, patient, patient_user, team
):
    percocet = medication_add(patient=patient, name="Percocet 10/325", added_by=patient_user)
    flag = _open(patient, Flag.Kind.OPIOID).get()
    assert flag.severity == Flag.Severity.URGENT

    review_record(patient=patient, reviewed_by=team, flags=[flag], note="Spoke to the surgeon")

    flag.refresh_from_db()
    assert flag.resolved_at is None
    assert (flag.acknowledged_by, flag.acknowledgement_note) == (team, "Spoke to the surgeon")
    status = _status(patient)
    assert status.needs_attention and status.open_flags == 1 and status.opioid_state == "active"
    event = regimen.events.filter(kind=RegimenEvent.Kind.ACKNOWLEDGED).get()
    assert (event.actor, event.note) == (team, "Spoke to the surgeon")

    # Stopped today: still acknowledged, still open through the washout.
    medication_stop(medication=percocet, stopped_on=TODAY)
    clock.move_to(NOW + timedelta(days=9))
    flags_evaluate(patient=patient, today=TODAY + timedelta(days=9))
    assert _open(patient, Flag.Kind.OPIOID).exists()

    # The washout is over: the flag closes by itself.
    clock.move_to(NOW + timedelta(days=10))
    flags_evaluate(patient=patient, today=TODAY + timedelta(days=10))
    flag.refresh_from_db()
    assert flag.resolved_at is not None
    assert flag.resolution_note == "The opioid was stopped and its washout is over."
    still_open = Flag.objects.filter(patient=patient, resolved_at__isnull=True)
    assert not still_open.filter(kind=Flag.Kind.OPIOID).exists()
    assert _status(patient).open_flags == still_open.count()


@pytest.mark.django_db
def test_a_new_opioid_after_an_acknowledgement_is_a_new_flag(
    clock, regimen, patient, patient_user, team
):
    medication_add(patient=patient, name="tramadol 50 mg", added_by=patient_user)
    review_record(patient=patient, reviewed_by=team, flags=list(_open(patient, Flag.Kind.OPIOID)))

    medication_add(patient=patient, name="codeine 30 mg", added_by=patient_user)

    flags = _open(patient, Flag.Kind.OPIOID).order_by("pk")
    assert [f.acknowledged_at is None for f in flags] == [False, True]
    assert "codeine" in flags[1].reason


@pytest.mark.django_db
def test_a_dose_taken_while_ldn_must_not_be_taken_raises_the_alarm_again(
    clock, regimen, patient, patient_user, team
):
    medication_add(patient=patient, name="oxycodone 5 mg", added_by=patient_user)
    opioid = _open(patient, Flag.Kind.OPIOID).get()
    review_record(patient=patient, reviewed_by=team, flags=[opioid])
    notices_before = Notification.objects.filter(recipient=team, kind="safety").count()

    dose_log_mark(regimen=regimen, on=TODAY, status="taken", recorded_by=patient_user)

    dose = _open(patient, Flag.Kind.DOSE_DURING_PAUSE).get()
    assert dose.severity == Flag.Severity.URGENT
    opioid.refresh_from_db()
    assert opioid.acknowledged_at is None  # the patient is marked again
    assert Notification.objects.filter(recipient=team, kind="safety").count() > notices_before
    assert _status(patient).top_severity == Flag.Severity.URGENT

    # Marking the same day again does not raise a second flag.
    dose_log_mark(regimen=regimen, on=TODAY, status="taken", recorded_by=patient_user)
    assert _open(patient, Flag.Kind.DOSE_DURING_PAUSE).count() == 1


@pytest.mark.django_db
def test_a_dose_skipped_while_ldn_must_not_be_taken_is_no_alarm(
    clock, regimen, patient, patient_user
):
    medication_add(patient=patient, name="oxycodone 5 mg", added_by=patient_user)

    dose_log_mark(regimen=regimen, on=TODAY, status="skipped", recorded_by=patient_user)

    assert not _open(patient, Flag.Kind.DOSE_DURING_PAUSE).exists()


@pytest.mark.django_db
def test_full_dose_naltrexone_is_an_urgent_duplicate_until_it_is_stopped(
    clock, regimen, patient, patient_user, client_for
):
    vivitrol = medication_add(patient=patient, name="Vivitrol 380 mg", added_by=patient_user)

    flag = _open(patient, Flag.Kind.FULL_DOSE_NALTREXONE).get()
    assert flag.severity == Flag.Severity.URGENT
    assert "Vivitrol 380 mg is naltrexone at a full dose" in flag.reason
    page = client_for(patient_user).get(reverse("medication_list"))
    assert b'data-testid="naltrexone-duplicate"' in page.content
    assert b"Do not take both" in page.content
    # True whether or not LDN has started: "the same medicine as LDN", not "as your LDN".
    assert b"the same medicine as LDN at many times the dose" in page.content
    assert b"your LDN" not in page.content

    medication_stop(medication=vivitrol, stopped_on=TODAY)

    flag.refresh_from_db()
    assert flag.resolved_at is not None


@pytest.mark.django_db
def test_every_change_of_the_opioid_status_is_in_the_plan_history(
    clock, regimen, patient, patient_user
):
    codeine = medication_add(patient=patient, name="codeine 30 mg", added_by=patient_user)
    medication_stop(medication=codeine, stopped_on=TODAY)

    notes = list(
        regimen.events.filter(kind=RegimenEvent.Kind.OPIOID_STATUS)
        .order_by("pk")
        .values_list("note", flat=True)
    )
    assert len(notes) == 2
    assert notes[0].startswith("codeine 30 mg is an opioid")
    assert notes[1].endswith("nor after it until 20 Mar 2026, when its washout is over.")


def _dose_flag(patient):
    return _open(patient, Flag.Kind.DOSE_DURING_PAUSE)


@pytest.mark.django_db
def test_a_dose_taken_while_the_care_team_paused_ldn_raises_the_urgent_flag(
    clock, regimen, patient, patient_user, team
):
    regimen_pause(regimen=regimen, decided_by=team, reason="side_effects", today=TODAY)
    notices_before = Notification.objects.filter(recipient=team, kind="safety").count()

    dose_log_mark(regimen=regimen, on=TODAY, status="taken", recorded_by=patient_user)

    flag = _dose_flag(patient).get()
    assert flag.severity == Flag.Severity.URGENT
    assert flag.reason == (
        "LDN was taken on 10 Mar 2026, when it should not have been. The regimen is paused "
        "since 10 Mar 2026."
    )
    assert Notification.objects.filter(recipient=team, kind="safety").count() > notices_before
    assert _status(patient).top_severity == Flag.Severity.URGENT


@pytest.mark.django_db
def test_a_dose_of_a_day_before_the_pause_began_is_no_alarm(
    clock, regimen, patient, patient_user, team
):
    regimen_pause(regimen=regimen, decided_by=team, reason="side_effects", today=TODAY)

    dose_log_mark(
        regimen=regimen, on=TODAY - timedelta(days=1), status="taken", recorded_by=patient_user
    )

    assert not _dose_flag(patient).exists()


@pytest.mark.django_db
def test_a_dose_taken_during_an_approved_procedure_pause_raises_the_urgent_flag(
    clock, regimen, patient, patient_user, team
):
    """The procedure on 13 Mar: the last dose on 10 Mar (today), no LDN from 11 Mar. The
    regimen is still active (the schedule pauses it on the day): the day's status decides."""
    plan = plan_propose(
        patient=patient,
        created_by=patient_user,
        kind="procedure",
        today=TODAY,
        procedure_on=TODAY + timedelta(days=3),
    )
    plan_approve(plan=plan, decided_by=team, today=TODAY)

    dose_log_mark(regimen=regimen, on=TODAY, status="taken", recorded_by=patient_user)
    assert not _dose_flag(patient).exists()  # the last dose, as planned

    clock.move_to(NOW + timedelta(days=1))
    dose_log_mark(
        regimen=regimen, on=TODAY + timedelta(days=1), status="taken", recorded_by=patient_user
    )

    flag = _dose_flag(patient).get()
    assert flag.severity == Flag.Severity.URGENT
    assert "LDN is paused for a procedure on 13 Mar 2026" in flag.reason
    assert _status(patient).top_severity == Flag.Severity.URGENT
