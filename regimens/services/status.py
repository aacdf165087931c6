"""The patient's clinical picture (patients.models.PatientStatus): the opioid status, the open
regimen and the engine's recommendation with why a decision waits, the open flags and the
last diary day, and the next date it changes by itself. Registered with the patient record
(patients.status) so every service that changes the picture refreshes it in the same
transaction; a beat task refreshes the rows whose next change has come.

A change of the opioid status writes a line in the regimen's plan history and plans the
patient's reminders again (the dose reminder gives way to "do not take LDN").
"""

from datetime import date, datetime, time

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import DiaryEntry, Flag, Patient, PatientStatus
from portal.lib.formats import day
from portal.lib.language import in_portal_language
from portal.lib.timing import local_to_utc, local_today
from portal.notifications.services import reminders_replan_on_commit
from regimens import opioids
from regimens.models import DecisionReason, PausePlan, Regimen, RegimenEvent
from regimens.selectors.engine import NOTHING_WAITS, engine_inputs_for, queue_rank, review
from regimens.selectors.opioids import ldn_stopped_since, opioid_status_and_next_change
from regimens.selectors.regimens import current_regimen
from regimens.services.decisions import regimen_pause


def _detail(status: opioids.Status) -> dict:
    detail: dict = {"opioids": [o.name for o in status.opioids]}
    if status.pause is not None:
        pause = status.pause
        detail["pause"] = {
            "kind": pause.kind,
            "label": pause.label,
            "last_dose_on": pause.last_dose_on.isoformat(),
            "pause_from": pause.pause_from.isoformat(),
            "restart_on": pause.restart_on.isoformat(),
            "plan": pause.plan_id,
        }
    return detail


def _next_change(today: date, *dates) -> date | None:
    later = [d for d in dates if d is not None and d > today]
    return min(later) if later else None


def change_instant(day: date | None, zone_name: str) -> datetime | None:
    """The UTC instant the local date `day` starts in `zone_name` (its first minute after a
    daylight-saving gap at midnight): when a status row's next change comes."""
    return None if day is None else local_to_utc(day, time.min, zone_name)


def compute_status(*, patient: Patient, today: date) -> dict:
    """Every field of the patient's status row, worked out from scratch for `today`."""
    plans = list(
        PausePlan.objects.filter(
            patient=patient, status__in=[PausePlan.Status.APPROVED, PausePlan.Status.PROPOSED]
        ).order_by("pause_from")
    )
    approved = [p for p in plans if p.status == PausePlan.Status.APPROVED]
    status, opioid_change = opioid_status_and_next_change(
        patient=patient, today=today, approved=approved
    )
    values = {
        "opioid_state": status.state,
        "opioid_until": status.until,
        "opioid_reason": status.reason[:500],
        "opioid_detail": _detail(status),
        "regimen": None,
        "recommendation": "",
        "recommended_mg": None,
        "recommendation_reasons": [],
        "queue_why": "",
        "queue_rank": NOTHING_WAITS,
        "due_on": None,
    }
    changes = [status.until, opioid_change]
    regimen = current_regimen(patient=patient)
    inputs = engine_inputs_for(regimen, today, status=status) if regimen else None
    if inputs is not None:
        found = review(regimen, today, inputs)
        recommendation = found.recommendation
        why = list(found.why)
        if any(p.status == PausePlan.Status.PROPOSED for p in plans):
            why.insert(0, "plan")  # a pause waiting for the care team's approval
        values |= {
            "regimen": regimen,
            "recommendation": str(recommendation.action),
            "recommended_mg": recommendation.dose_mg,
            "recommendation_reasons": [str(r) for r in recommendation.reasons],
            "queue_why": ",".join(why),
            "queue_rank": queue_rank(why),
            "due_on": found.due_on,
        }
        changes += [found.due_on, found.changes_on]
    flags = Flag.objects.filter(patient=patient, resolved_at__isnull=True).aggregate(
        top=Max("severity"), count=Count("pk")
    )
    last_diary = DiaryEntry.objects.filter(patient=patient, local_date__lte=today).aggregate(
        last=Max("local_date")
    )["last"]
    values |= {
        "top_severity": flags["top"] or 0,
        "open_flags": flags["count"],
        "last_diary_on": last_diary,
        "needs_attention": bool(flags["top"]) or values["queue_rank"] < NOTHING_WAITS,
        "sort_name": (patient.user.name or patient.user.email).lower()[:150],
        "next_change_on": _next_change(today, *changes),
        "computed_for": today,
    }
    return values


@in_portal_language
@transaction.atomic(savepoint=False)  # a part of the service that changed the picture
def status_refresh_patient(*, patient: Patient, now: datetime | None = None) -> PatientStatus:
    """Bring the patient's status row up to date, on their local date."""
    now = now or timezone.now()
    # One refresh at a time: the patient is locked, and its status row read in the same query.
    locked = (
        Patient.objects.select_for_update(of=("self",))
        .select_related("status")
        .filter(pk=patient.pk)
        .first()
    )
    row = getattr(locked, "status", None) if locked is not None else None
    today = local_today(patient)
    values = compute_status(patient=patient, today=today)
    before = (row.opioid_state, row.opioid_until) if row else (opioids.CLEAR, None)
    if row is None:
        row = PatientStatus(patient=patient)
    for name, value in values.items():
        setattr(row, name, value)
    row.next_change_at = change_instant(row.next_change_on, patient.user.timezone)
    row.refreshed_at = now
    row.save(force_insert=row._state.adding)
    if (row.opioid_state, row.opioid_until) != before:
        _opioid_status_changed(patient, row, now)
        if (
            before[0] != opioids.CLEAR
            and row.opioid_clear
            and _pause_after_opioid(patient, today, now)
        ):
            row.refresh_from_db()
    return row


def _pause_after_opioid(patient: Patient, today: date, now: datetime) -> bool:
    """LDN was not taken while the status was not clear. If the care team had not paused
    the regimen, record that pause now that it is over, from its first day: the restart, and
    its dose after a long break, stay the care team's decision (docs/clinical-rules.md
    §2.8, §10.1)."""
    regimen = current_regimen(patient=patient)
    if regimen is None or not regimen.is_active or regimen.current_step is None:
        return False
    since = ldn_stopped_since(patient=patient, since=regimen.current_step.started_on, today=today)
    if since is None:
        return False
    regimen_pause(
        regimen=regimen,
        decided_by=None,
        reason=DecisionReason.OPIOID_NEEDED,
        today=today,
        paused_on=since,
        note=_("LDN was not taken from %(day)s because of an opioid or a planned pause.")
        % {"day": day(since)},
        now=now,
    )
    return True


def _opioid_status_changed(patient: Patient, row: PatientStatus, now: datetime) -> None:
    regimen = Regimen.objects.filter(patient=patient, status__in=Regimen.OPEN).first()
    if regimen is not None:
        RegimenEvent.objects.create(
            regimen=regimen,
            kind=RegimenEvent.Kind.OPIOID_STATUS,
            at=now,
            automatic=True,
            effective_on=row.computed_for,
            note=(row.opioid_reason or str(PatientStatus.OpioidState(row.opioid_state).label))[
                :500
            ],
        )
    reminders_replan_on_commit(patient.user)


def statuses_refresh_due(*, now: datetime | None = None, patients=None) -> int:
    """Refresh every status whose next change has come (`next_change_at`, the start of
    `next_change_on` in the patient's zone, has passed) among `patients` when given (a
    provider's team before a list is shown), each in its own transaction. One indexed range
    (status_next_change_at) finds them: usually none. Returns how many were refreshed."""
    now = now or timezone.now()
    due = PatientStatus.objects.filter(next_change_at__lte=now)
    if patients is not None:
        due = due.filter(patient__in=patients)
    due = due.select_related("patient__user").order_by("next_change_at", "patient")
    # A plain query, not a server-side cursor: on a page, none is usually due.
    rows = list(due)
    for row in rows:
        status_refresh_patient(patient=row.patient, now=now)
    return len(rows)


def status_zone_moved(user) -> None:
    """The user moved time zone: their status row's next change starts at another instant
    (portal.accounts.services.timezone_changed)."""
    row = PatientStatus.objects.filter(patient__user=user).first()
    if row is not None:
        row.next_change_at = change_instant(row.next_change_on, user.timezone)
        row.save(update_fields=["next_change_at"])


def status_differences(*, patient: Patient) -> dict[str, tuple]:
    """The fields of the patient's stored status that differ from a recomputation from
    scratch, each with (stored, recomputed); every field when there is no row."""
    row = PatientStatus.objects.filter(pk=patient.pk).first()
    fresh = _normalised(compute_status(patient=patient, today=local_today(patient)))
    if row is None:
        return {name: (None, value) for name, value in fresh.items()}
    stored = _normalised({name: getattr(row, name) for name in compute_status_fields()})
    differences = {
        name: (stored.get(name), value)
        for name, value in fresh.items()
        if stored.get(name) != value
    }
    instant = change_instant(fresh["next_change_on"], patient.user.timezone)
    if row.next_change_at != instant:
        differences["next_change_at"] = (row.next_change_at, instant)
    return differences


def statuses_check(*, patients=None) -> list[int]:
    """The patients whose stored status differs from a recomputation from scratch (the
    management command check_status and the consistency tests)."""
    if patients is None:
        patients = Patient.objects.select_related("user").iterator(chunk_size=500)
    return [patient.pk for patient in patients if status_differences(patient=patient)]


def compute_status_fields() -> list[str]:
    """The fields compute_status fills (every field of the row but the bookkeeping: when it
    was refreshed, and the instant its next change comes, which follows from next_change_on
    and the patient's zone)."""
    return [
        f.name
        for f in PatientStatus._meta.concrete_fields
        if f.name not in ("patient", "refreshed_at", "next_change_at")
    ]


def _normalised(values: dict) -> dict:
    """Comparable values: `computed_for` only says which day a row was last worked out on;
    what the row claims must hold on every day until its next change."""
    out = dict(values)
    out.pop("computed_for", None)
    regimen = out.pop("regimen", None)
    out["regimen_id"] = getattr(regimen, "pk", regimen)
    if out.get("recommended_mg") is not None:
        out["recommended_mg"] = out["recommended_mg"].normalize()
    return out


# What the patient record asks to be written in the plan history (patients.status).
HISTORY_EVENTS = {"acknowledged": RegimenEvent.Kind.ACKNOWLEDGED}


def plan_history_record(*, patient: Patient, event: str, actor, note: str, now: datetime):
    """A line in the open regimen's plan history for something the patient record did (a
    provider acknowledged the opioid flag). Nothing when no regimen is open."""
    regimen = Regimen.objects.filter(patient=patient, status__in=Regimen.OPEN).first()
    if regimen is not None:
        RegimenEvent.objects.create(
            regimen=regimen,
            kind=HISTORY_EVENTS[event],
            at=now,
            actor=actor,
            automatic=actor is None,
            note=note[:500],
        )


def status_current(*, patient: Patient, now: datetime | None = None) -> PatientStatus:
    """The patient's status row as it stands today: refreshed first when it is missing, was
    worked out for another day, or a change it scheduled has come (pages read it, so none
    waits for the beat task on what tells the patient whether to take LDN)."""
    row = PatientStatus.objects.filter(pk=patient.pk).first()
    today = local_today(patient)
    if (
        row is None
        or row.computed_for != today
        or (row.next_change_on is not None and row.next_change_on <= today)
    ):
        row = status_refresh_patient(patient=patient, now=now)
    return row
