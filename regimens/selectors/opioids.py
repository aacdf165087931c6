"""The one opioid status of a patient (regimens.opioids): read by Tonight, the dose log, the
reminders, the engine's inputs, triage, the titration queue, the regimen page, the patient
record, the home page and the calendar feed. Takes a patient already resolved for the
viewer."""

from dataclasses import replace
from datetime import date, timedelta

from django.http import Http404

from patients.models import Medication, Patient
from patients.selectors.records import visible_patients
from portal.lib.timing import local_date
from regimens import opioids
from regimens.models import PausePlan


def opioids_on_list(medications) -> list[opioids.Opioid]:
    return [
        opioids.Opioid(
            name=m.name,
            started_on=m.started_on,
            stopped_on=m.stopped_on,
            washout_days=m.washout_days,
            medication_id=m.pk,
        )
        for m in medications
        if m.screening == Medication.Screening.BLOCK
    ]


def as_pause(plan: PausePlan) -> opioids.Pause:
    return opioids.Pause(
        kind=opioids.PROCEDURE if plan.kind == PausePlan.Kind.PROCEDURE else opioids.COURSE,
        label=plan.label,
        last_dose_on=plan.last_dose_on,
        pause_from=plan.pause_from,
        restart_on=plan.restart_on,
        plan_id=plan.pk,
    )


def blocking_medications(*, patient: Patient) -> list[Medication]:
    """The medications on the patient's list that block LDN (taken now or stopped: the
    washout counts from the stop), which the opioid status is read from."""
    return list(Medication.objects.filter(patient=patient, screening=Medication.Screening.BLOCK))


def approved_pauses(*, patient: Patient) -> list[PausePlan]:
    return list(
        PausePlan.objects.filter(patient=patient, status=PausePlan.Status.APPROVED).order_by(
            "pause_from"
        )
    )


def open_pause_plans(*, patient: Patient) -> list[PausePlan]:
    """The patient's pauses waiting for the care team or approved, soonest first."""
    return list(
        PausePlan.objects.filter(patient=patient, status__in=PausePlan.OPEN).order_by(
            "pause_from", "pk"
        )
    )


def pause_plans_of(*, patient: Patient) -> list[PausePlan]:
    """All of the patient's planned pauses, newest first."""
    return list(PausePlan.objects.filter(patient=patient).select_related("decided_by"))


def pause_plan_for(viewer, pk, *, patient: Patient) -> PausePlan:
    """One of `patient`'s planned pauses (the patient already resolved for `viewer`); 404 for
    anyone else's."""
    try:
        return PausePlan.objects.select_related("regimen", "patient__user").get(
            pk=pk, patient=patient, patient__in=visible_patients(viewer)
        )
    except (PausePlan.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def opioid_status_for(*, patient: Patient, today: date) -> opioids.Status:
    """The patient's opioid status on `today` (their local date)."""
    return opioid_status_and_next_change(patient=patient, today=today)[0]


def _opioids_and_pauses(
    patient: Patient,
    *,
    approved: list[PausePlan] | None,
    medications: list[Medication] | None,
) -> tuple[list[opioids.Opioid], list[opioids.Pause]]:
    """The opioids on the patient's list and their approved pauses, as the pure rules take
    them; what the caller has already read is not read again."""
    if medications is None:
        medications = blocking_medications(patient=patient)
    if approved is None:
        approved = approved_pauses(patient=patient)
    return opioids_on_list(medications), [as_pause(p) for p in approved]


def opioid_status_and_next_change(
    *,
    patient: Patient,
    today: date,
    approved: list[PausePlan] | None = None,
    medications: list[Medication] | None = None,
) -> tuple[opioids.Status, date | None]:
    """The opioid status on `today` and the next day it may read differently. Pass the
    patient's `approved` pause plans and the `medications` that block LDN when they are
    already read."""
    listed, pauses = _opioids_and_pauses(patient, approved=approved, medications=medications)
    return (
        opioids.opioid_status(opioids=listed, pauses=pauses, today=today),
        opioids.next_change(opioids=listed, pauses=pauses, today=today),
    )


def ldn_stopped_since(*, patient: Patient, since: date, today: date) -> date | None:
    """The first day of the patient's run of days without LDN that ended yesterday, counted
    no further back than `since` (the current dose's first day); None if LDN could be taken
    yesterday. An opioid with no start date counts from the day it was put on the list."""
    zone = patient.user.timezone
    listed = []
    for medication in blocking_medications(patient=patient):
        (opioid,) = opioids_on_list([medication])
        if opioid.started_on is None:
            opioid = replace(opioid, started_on=local_date(medication.created_at, zone))
        listed.append(opioid)
    return opioids.stopped_since(
        opioids=listed,
        pauses=[as_pause(p) for p in approved_pauses(patient=patient)],
        today=today,
        earliest=since,
    )


def opioid_statuses_between(
    *,
    patient: Patient,
    first: date,
    last: date,
    approved: list[PausePlan] | None = None,
    medications: list[Medication] | None = None,
) -> dict[date, opioids.Status]:
    """The opioid status of each day from `first` to `last` (one read of the list and the
    plans): what the reminders of those days may say. Pass the patient's `approved` pause
    plans and `medications` when they are already read."""
    listed, pauses = _opioids_and_pauses(patient, approved=approved, medications=medications)
    days, day = {}, first
    while day <= last:
        days[day] = opioids.opioid_status(opioids=listed, pauses=pauses, today=day)
        day += timedelta(days=1)
    return days


def opioid_statuses(*, patient_ids, today: date) -> dict[int, opioids.Status]:
    """opioid_status_for many patients in two queries (the titration queue, triage)."""
    meds: dict[int, list[Medication]] = {}
    for medication in Medication.objects.filter(
        patient__in=patient_ids, screening=Medication.Screening.BLOCK
    ):
        meds.setdefault(medication.patient_id, []).append(medication)
    plans: dict[int, list[PausePlan]] = {}
    for plan in PausePlan.objects.filter(patient__in=patient_ids, status=PausePlan.Status.APPROVED):
        plans.setdefault(plan.patient_id, []).append(plan)
    return {
        pk: opioids.opioid_status(
            opioids=opioids_on_list(meds.get(pk, [])),
            pauses=[as_pause(p) for p in plans.get(pk, [])],
            today=today,
        )
        for pk in patient_ids
    }


def status_of_row(row) -> opioids.Status:
    """The opioid status a patient's status row keeps (patients.models.PatientStatus)."""
    detail = row.opioid_detail or {}
    pause = detail.get("pause")
    return opioids.Status(
        state=row.opioid_state,
        until=row.opioid_until,
        opioids=tuple(
            opioids.Opioid(name=name, started_on=None, stopped_on=None, washout_days=0)
            for name in detail.get("opioids", [])
        ),
        pause=opioids.Pause(
            kind=pause.get("kind", ""),
            label=pause["label"],
            last_dose_on=date.fromisoformat(pause["last_dose_on"]),
            pause_from=date.fromisoformat(pause["pause_from"]),
            restart_on=date.fromisoformat(pause["restart_on"]),
            plan_id=pause.get("plan"),
        )
        if pause
        else None,
        reason=row.opioid_reason,
    )
