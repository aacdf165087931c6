"""Planned pauses of LDN around a procedure or a short opioid course: proposed from the rules,
decided by the care team, changed, and followed day by day by the status, Tonight and the
engine (docs/clinical-rules.md §2.8)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients.models import PatientStatus
from patients.services.medications import medication_add, medication_stop
from portal.notifications.models import Notification
from portal.notifications.services import notification_send
from regimens import titration
from regimens.models import PausePlan, Regimen, RegimenEvent
from regimens.selectors.opioids import opioid_status_for
from regimens.selectors.regimens import tonight_for
from regimens.services.decisions import regimen_resume
from regimens.services.plans import (
    plan_approve,
    plan_cancel,
    plan_change,
    plan_decline,
    plan_propose,
)
from regimens.services.schedule import regimens_apply_planned_pauses
from regimens.services.status import (
    compute_status,
    status_refresh_patient,
    statuses_refresh_due,
)
from tests.regimens.conftest import NOW, TODAY

Status = PausePlan.Status


def days(n):
    return TODAY + timedelta(days=n)


@pytest.fixture
def regimen(patient, team, start_regimen):
    return start_regimen(patient, team, days_ago=7)


def _procedure(patient, by, *, on=20, **extra):
    return plan_propose(
        patient=patient,
        created_by=by,
        kind="procedure",
        today=TODAY,
        procedure_on=days(on),
        **extra,
    )


def _course(patient, by, *, name="codeine 30 mg", first=5, last=7):
    return plan_propose(
        patient=patient,
        created_by=by,
        kind="course",
        today=TODAY,
        medication_name=name,
        course_starts_on=days(first),
        course_ends_on=days(last),
    )


def _events(regimen):
    return list(regimen.events.order_by("pk").values_list("kind", flat=True))


# --- Proposing ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_patient_proposes_a_procedure_and_nothing_changes_until_it_is_approved(
    frozen, regimen, patient_user
):
    plan = _procedure(patient_user.patient, patient_user, on=20)

    assert plan.status == Status.PROPOSED
    # 3 days before the procedure (LDN_STOP_BEFORE_PROCEDURE_DAYS), LDN again the day after.
    assert (plan.last_dose_on, plan.pause_from, plan.restart_on) == (days(17), days(18), days(21))
    assert plan.same_dose
    assert _events(regimen)[-1] == RegimenEvent.Kind.PLAN_PROPOSED
    for n in (17, 18, 20):
        assert opioid_status_for(patient=regimen.patient, today=days(n)).is_clear


@pytest.mark.django_db
def test_a_course_of_methadone_gets_the_longer_washout(frozen, regimen, patient_user):
    plan = _course(patient_user.patient, patient_user, name="methadone 5 mg", first=5, last=7)

    assert plan.washout_days == 14
    assert plan.restart_on == days(7 + 14)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "procedure", "procedure_on": days(-1)}, "procedure_on", "from today to"),
        ({"kind": "procedure", "procedure_on": days(366)}, "procedure_on", "a year ahead"),
        (
            {
                "kind": "procedure",
                "procedure_on": days(10),
                "opioids_after": True,
                "last_opioid_on": days(9),
            },
            "last_opioid_on",
            "cannot be before the procedure",
        ),
        (
            {
                "kind": "course",
                "medication_name": "codeine",
                "course_starts_on": days(5),
                "course_ends_on": days(4),
            },
            "course_ends_on",
            "cannot be before the first day",
        ),
        (
            {
                "kind": "course",
                "medication_name": "amoxicillin 500 mg",
                "course_starts_on": days(5),
                "course_ends_on": days(7),
            },
            "medication_name",
            "not recognised as an opioid",
        ),
        (
            {
                "kind": "course",
                "medication_name": "tramadol",
                "course_starts_on": days(5),
                "course_ends_on": days(40),
            },
            "course_ends_on",
            "at most 30 days",
        ),
    ],
)
@pytest.mark.django_db
def test_it_refuses_what_cannot_be_planned_next_to_the_field_and_saves_nothing(
    frozen, regimen, patient_user, data, field, message
):
    with pytest.raises(ValidationError) as refused:
        plan_propose(patient=patient_user.patient, created_by=patient_user, today=TODAY, **data)

    assert message in " ".join(refused.value.message_dict[field])
    assert not PausePlan.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_pause_for_a_patient_with_no_regimen(frozen, patient_user):
    with pytest.raises(ValidationError) as refused:
        _procedure(patient_user.patient, patient_user)

    assert "no LDN regimen to pause" in refused.value.message_dict["kind"][0]
    assert not PausePlan.objects.exists()


# --- Deciding ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_a_provider_on_the_care_team_approves_or_declines(
    frozen, regimen, patient_user, other_provider
):
    plan = _procedure(patient_user.patient, patient_user)

    for user in (patient_user, other_provider):
        with pytest.raises(ValidationError):
            plan_approve(plan=plan, decided_by=user, today=TODAY)
        with pytest.raises(ValidationError):
            plan_decline(plan=plan, decided_by=user, reason="no_pause_needed")
    plan.refresh_from_db()
    assert plan.status == Status.PROPOSED


@pytest.mark.django_db
def test_a_provider_may_be_more_cautious_but_never_shortens_the_washout(
    frozen, regimen, patient_user, team
):
    plan = _course(patient_user.patient, patient_user, first=5, last=7)  # LDN again on day 17

    with pytest.raises(ValidationError) as early:
        plan_approve(plan=plan, decided_by=team, today=TODAY, restart_on=days(16))
    with pytest.raises(ValidationError) as late_last_dose:
        plan_approve(plan=plan, decided_by=team, today=TODAY, last_dose_on=days(5))
    assert "at the earliest" in early.value.message_dict["restart_on"][0]
    assert "at the latest" in late_last_dose.value.message_dict["last_dose_on"][0]
    plan.refresh_from_db()
    assert plan.status == Status.PROPOSED and plan.restart_on == days(17)

    plan = plan_approve(
        plan=plan, decided_by=team, today=TODAY, last_dose_on=days(2), restart_on=days(20)
    )

    assert (plan.last_dose_on, plan.pause_from, plan.restart_on) == (days(2), days(3), days(20))
    assert plan.status == Status.APPROVED and plan.decided_by == team


@pytest.mark.django_db
def test_a_declined_pause_needs_a_reason_and_changes_nothing_else(
    frozen, regimen, patient_user, team
):
    plan = _procedure(patient_user.patient, patient_user)

    with pytest.raises(ValidationError):
        plan_decline(plan=plan, decided_by=team, reason="other")
    plan = plan_decline(plan=plan, decided_by=team, reason="other", note="Local anaesthetic only")

    assert plan.status == Status.DECLINED
    assert _events(regimen)[-1] == RegimenEvent.Kind.PLAN_DECLINED
    assert opioid_status_for(patient=regimen.patient, today=days(18)).is_clear
    with pytest.raises(ValidationError):
        plan_approve(plan=plan, decided_by=team, today=TODAY)


# --- Following the plan day by day --------------------------------------------------------


@pytest.mark.django_db
def test_an_approved_procedure_drives_tonight_day_by_day_and_a_new_date_replans_it(
    frozen, regimen, patient_user, team
):
    patient = patient_user.patient
    plan = plan_approve(plan=_procedure(patient, patient_user, on=20), decided_by=team, today=TODAY)

    def tonight(n):
        return tonight_for(patient=patient, today=days(n))

    assert tonight(16).take_tonight and not tonight(16).last_dose_tonight
    assert tonight(17).take_tonight and tonight(17).last_dose_tonight
    assert [tonight(n).no_ldn for n in (18, 19, 20)] == [True, True, True]
    assert tonight(18).opioid.until == days(21)

    # The procedure moves a week later: everything follows at once.
    plan = plan_change(plan=plan, changed_by=team, today=TODAY, procedure_on=days(27))

    assert (plan.last_dose_on, plan.restart_on, plan.status) == (days(24), days(28), "approved")
    assert tonight(18).take_tonight and tonight(24).last_dose_tonight
    assert tonight(25).no_ldn and tonight(27).no_ldn
    assert _events(regimen)[-1] == RegimenEvent.Kind.PLAN_CHANGED


def _moved_notices(provider):
    return Notification.objects.filter(
        recipient=provider, kind="pause", channel="in_app", context__moment="moved"
    )


@pytest.mark.django_db
def test_a_patient_moving_an_approved_pause_keeps_it_in_force_and_tells_the_care_team(
    frozen, regimen, patient_user, team
):
    """The new dates apply at once: a pause waiting for approval again would leave LDN on
    Tonight right up to a procedure moved earlier."""
    patient = patient_user.patient
    plan = plan_approve(plan=_procedure(patient, patient_user, on=20), decided_by=team, today=TODAY)

    # The procedure moves a week earlier.
    plan = plan_change(plan=plan, changed_by=patient_user, today=TODAY, procedure_on=days(13))

    assert (plan.last_dose_on, plan.restart_on) == (days(10), days(14))
    assert (plan.status, plan.decided_by) == (Status.APPROVED, team)
    assert plan.care_team_told
    assert tonight_for(patient=patient, today=days(10)).last_dose_tonight
    assert tonight_for(patient=patient, today=days(11)).no_ldn
    assert not opioid_status_for(patient=patient, today=days(12)).is_clear
    event = regimen.events.order_by("pk").last()
    assert event.kind == RegimenEvent.Kind.PLAN_CHANGED and event.actor == patient_user
    # The care team is told.
    notice = _moved_notices(team).get()
    Notification.objects.filter(pk=notice.pk).update(status=Notification.Status.QUEUED)
    notification_send(notification_id=notice.pk, version=notice.version)
    notice.refresh_from_db()
    assert notice.title == "An approved pause was moved"
    assert "moved the pause for a procedure on 23 Mar 2026" in notice.body
    assert "The new dates apply now" in notice.body
    assert notice.link == reverse("patient_pause_plan", args=[patient.pk, plan.pk])


@pytest.mark.django_db
def test_the_care_team_moving_an_approved_pause_keeps_it_approved_without_a_notice(
    frozen, regimen, patient_user, team
):
    patient = patient_user.patient
    plan = plan_approve(plan=_procedure(patient, patient_user, on=20), decided_by=team, today=TODAY)

    plan = plan_change(plan=plan, changed_by=team, today=TODAY, procedure_on=days(27))

    assert (plan.status, plan.decided_by) == (Status.APPROVED, team)
    assert not plan.care_team_told and not _moved_notices(team).exists()


@pytest.mark.django_db
def test_a_new_end_of_the_course_plans_the_pause_again(frozen, regimen, patient_user, team):
    """Codeine on days 5 to 7: no LDN from day 5, LDN again from day 17 (the washout of 10
    days); the course now ends on day 9: LDN again from day 19."""
    patient = patient_user.patient
    plan = plan_approve(plan=_course(patient, patient_user), decided_by=team, today=TODAY)
    assert (plan.last_dose_on, plan.pause_from, plan.restart_on) == (days(4), days(5), days(17))

    plan = plan_change(plan=plan, changed_by=team, today=TODAY, course_ends_on=days(9))

    assert (plan.last_dose_on, plan.pause_from, plan.restart_on) == (days(4), days(5), days(19))
    assert plan.status == Status.APPROVED
    assert opioid_status_for(patient=patient, today=days(18)).until == days(19)
    assert "codeine 30 mg from 15 Mar 2026 to 19 Mar 2026" in plan.label

    # Moved by the patient, it stays in force with the new dates; the care team is told.
    plan = plan_change(plan=plan, changed_by=patient_user, today=TODAY, course_ends_on=days(8))
    assert (plan.restart_on, plan.status) == (days(18), Status.APPROVED)
    assert not opioid_status_for(patient=patient, today=days(6)).is_clear
    assert opioid_status_for(patient=patient, today=days(17)).until == days(18)
    assert _moved_notices(team).count() == 1


@pytest.mark.django_db
def test_a_pause_that_has_begun_stays_approved_when_the_patient_moves_it(
    regimen, patient_user, team, time_machine
):
    """Its days without LDN go on (the restart is the care team's to confirm anyway); the care
    team is told."""
    time_machine.move_to(NOW, tick=False)
    patient = patient_user.patient
    plan = plan_approve(
        plan=_procedure(patient, patient_user, on=10, opioids_after=True, last_opioid_on=days(12)),
        decided_by=team,
        today=TODAY,
    )
    time_machine.move_to(NOW + timedelta(days=9), tick=False)  # inside the pause

    plan = plan_change(plan=plan, changed_by=patient_user, today=days(9), last_opioid_on=days(14))

    assert (plan.status, plan.restart_on) == (Status.APPROVED, days(24))
    assert not opioid_status_for(patient=patient, today=days(9)).is_clear
    notice = _moved_notices(team).get()
    Notification.objects.filter(pk=notice.pk).update(status=Notification.Status.QUEUED)
    notification_send(notification_id=notice.pk, version=notice.version)
    notice.refresh_from_db()
    assert notice.title == "An approved pause was moved"
    assert "LDN again from 3 Apr 2026, once you confirm the restart" in notice.body


@pytest.mark.django_db
def test_the_pause_starts_by_itself_and_the_engine_recommends_the_restart_when_it_ends(
    regimen, patient_user, team, time_machine
):
    time_machine.move_to(NOW, tick=False)
    patient = patient_user.patient
    plan = plan_approve(plan=_procedure(patient, patient_user, on=10), decided_by=team, today=TODAY)

    time_machine.move_to(NOW + timedelta(days=8), tick=False)  # the first day without LDN
    assert regimens_apply_planned_pauses() == 1
    regimen.refresh_from_db()
    assert regimen.status == Regimen.Status.PAUSED
    row = status_refresh_patient(patient=patient)
    assert row.recommendation == titration.Action.PAUSE

    time_machine.move_to(NOW + timedelta(days=11), tick=False)  # the restart day
    row = status_refresh_patient(patient=patient)
    assert row.opioid_state == "clear"
    assert row.recommendation == titration.Action.RESUME
    assert tonight_for(patient=patient, today=days(11)).awaiting_restart

    dose = regimen.current_step.dose_mg
    with pytest.raises(ValidationError):  # an unknown reason code changes nothing
        regimen_resume(
            regimen=regimen, dose_mg=dose, decided_by=team, reason="whatever", today=days(11)
        )
    regimen.refresh_from_db()
    assert regimen.status == Regimen.Status.PAUSED

    regimen_resume(regimen=regimen, dose_mg=dose, decided_by=team, reason="surgery", today=days(11))
    plan.refresh_from_db()
    assert plan.status == Status.COMPLETED
    assert tonight_for(patient=patient, today=days(11)).take_tonight


@pytest.mark.django_db
def test_a_cancelled_pause_no_longer_applies(frozen, regimen, patient_user, team):
    patient = patient_user.patient
    plan = plan_approve(plan=_procedure(patient, patient_user, on=20), decided_by=team, today=TODAY)

    plan_cancel(plan=plan, cancelled_by=patient_user)

    assert opioid_status_for(patient=patient, today=days(19)).is_clear
    assert _events(regimen)[-1] == RegimenEvent.Kind.PLAN_CANCELLED
    row = PatientStatus.objects.get(patient=patient)
    assert compute_status(patient=patient, today=TODAY)["opioid_state"] == row.opioid_state


# --- Pages -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_patient_plans_a_pause_from_the_page_and_bad_dates_are_refused_next_to_the_field(
    client_for, frozen, regimen, patient_user
):
    client = client_for(patient_user)
    url = reverse("pause_plans")

    page = client.get(url)
    refused = client.post(url, {"kind": "procedure", "procedure_on": "2999-12-31"})
    edge = client.post(url, {"kind": "procedure", "procedure_on": "9999-12-31"})
    typo = client.post(url, {"kind": "procedure", "procedure_on": "next tuesday"})

    assert page.status_code == 200
    assert refused.status_code == 200 and typo.status_code == 200 and edge.status_code == 200
    assert "a year ahead" in refused.context["form"].errors["procedure_on"][0]
    assert edge.context["form"].errors["procedure_on"] == [
        "Enter a date between 1 Jan 1900 and 31 Dec 2999."
    ]
    assert typo.context["form"].errors["procedure_on"] == ["Enter a date, e.g. 2026-12-03."]
    assert not PausePlan.objects.exists()

    saved = client.post(
        url, {"kind": "procedure", "procedure_on": days(20).isoformat(), "procedure_kind": ""}
    )
    plan = PausePlan.objects.get()
    assert saved["Location"] == reverse("pause_plan", args=[plan.pk])
    detail = client.get(saved["Location"])
    assert b"Last LDN dose" in detail.content


@pytest.mark.django_db
def test_only_the_care_team_reaches_a_patients_pauses(
    client_for, frozen, regimen, patient_user, team, other_provider, other_patient_user
):
    plan = _procedure(patient_user.patient, patient_user)
    patient = patient_user.patient
    approve = reverse("patient_pause_plan_approve", args=[patient.pk, plan.pk])

    assert client_for(other_provider).post(approve).status_code == 404
    assert client_for(patient_user).post(approve).status_code == 403
    assert (
        client_for(other_patient_user).get(reverse("pause_plan", args=[plan.pk])).status_code == 404
    )
    plan.refresh_from_db()
    assert plan.status == Status.PROPOSED

    response = client_for(team).post(approve, {"restart_on": days(1).isoformat()})
    assert response.status_code == 200
    assert "at the earliest" in response.context["approve_form"].errors["restart_on"][0]

    response = client_for(team).post(approve, {})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == Status.APPROVED


# --- An opioid the care team did not pause for ------------------------------------------


@pytest.mark.django_db
def test_once_an_opioid_washout_ends_the_restart_waits_for_the_care_team(
    regimen, patient_user, team, time_machine
):
    """The patient took codeine for three days and nobody paused the regimen: Tonight said
    not to take LDN. When the washout ends, the regimen is recorded as paused from the first
    day without LDN, and the care team confirms the restart (a long break restarts low)."""
    time_machine.move_to(NOW, tick=False)
    patient = patient_user.patient
    codeine = medication_add(
        patient=patient, name="codeine 30 mg", added_by=patient_user, started_on=days(-1)
    )
    medication_stop(medication=codeine, stopped_on=days(1))  # LDN again from day 11
    assert status_refresh_patient(patient=patient).recommendation == titration.Action.PAUSE

    time_machine.move_to(NOW + timedelta(days=11), tick=False)
    assert statuses_refresh_due() == 1

    regimen.refresh_from_db()
    assert regimen.status == Regimen.Status.PAUSED
    assert regimen.paused_on == days(-1)  # the first day without LDN
    event = regimen.events.filter(kind=RegimenEvent.Kind.PAUSED).get()
    assert event.actor is None and event.effective_on == days(-1)
    assert "LDN was not taken from 9 Mar 2026" in event.note
    row = PatientStatus.objects.get(patient=patient)
    assert row.recommendation == titration.Action.RESUME
    assert "Paused since 9 Mar: resume the old dose of 1 mg" in " ".join(row.recommendation_reasons)
    assert tonight_for(patient=patient, today=days(11)).awaiting_restart
    assert not tonight_for(patient=patient, today=days(11)).take_tonight
