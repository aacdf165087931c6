"""The patient's clinical picture (patients.models.PatientStatus): the opioid status, the open
regimen and the engine's recommendation with why a decision waits, the open flags and the
last diary day, and the next date it changes by itself. Registered with the patient record
(patients.status) so every service that changes the picture refreshes it in the same
transaction; a beat task refreshes the rows whose next change has come.

A change of the opioid status writes a line in the regimen's plan history and plans the
patient's reminders again (the dose reminder gives way to "do not take LDN").
"""

from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import BooleanField, Count, Max
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import (
    Condition,
    DiaryEntry,
    Flag,
    Medication,
    Patient,
    PatientStatus,
    SideEffectReport,
)
from patients.selectors.diary import BOWEL_CONDITIONS, GLUCOSE_CONDITIONS, DiaryQuestions
from patients.selectors.side_effects import diary_entries_between, side_effect_reports
from patients.services.flags import missed_since, side_effects_since
from patients.services.flags import thresholds as flag_thresholds
from patients.status import ClinicalPicture
from patients.treatment import DoseQuestion, TreatmentFacts
from portal.lib.formats import day
from portal.lib.language import in_portal_language
from portal.lib.timing import local_to_utc, local_today
from portal.notifications.services import reminders_replan_on_commit
from regimens import opioids
from regimens.models import (
    DecisionReason,
    DoseLog,
    PausePlan,
    Regimen,
    RegimenEvent,
    TitrationStep,
)
from regimens.selectors.engine import NOTHING_WAITS, engine_inputs_for, last_day, queue_rank, review
from regimens.selectors.opioids import ldn_stopped_since, opioid_status_and_next_change
from regimens.selectors.regimens import current_regimen
from regimens.services.decisions import regimen_pause
from regimens.treatment import step_up_of


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


def compute_status(
    *, patient: Patient, today: date, picture: ClinicalPicture | None = None
) -> dict:
    """Every field of the patient's status row, worked out from scratch for `today`; from
    `picture` (read on `today` in this transaction, with the open flags set by the flag
    evaluation) without a query."""
    if picture is None:
        plans = list(
            PausePlan.objects.filter(
                patient=patient, status__in=[PausePlan.Status.APPROVED, PausePlan.Status.PROPOSED]
            ).order_by("pause_from")
        )
        medications = None
    else:
        plans, medications = picture.plans, picture.blocking_medications
    approved = [p for p in plans if p.status == PausePlan.Status.APPROVED]
    status, opioid_change = opioid_status_and_next_change(
        patient=patient, today=today, approved=approved, medications=medications
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
    if picture is None:
        regimen = current_regimen(patient=patient)
        inputs = engine_inputs_for(regimen, today, status=status) if regimen else None
    else:
        regimen = picture.regimen
        inputs = (
            engine_inputs_for(
                regimen,
                today,
                status=status,
                effects=_regimen_effects(picture, regimen, today),
                logs=picture.logs_of(regimen.pk),
            )
            if regimen
            else None
        )
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
    if picture is None or picture.open_flags is None:
        flags = Flag.objects.filter(patient=patient, resolved_at__isnull=True).aggregate(
            top=Max("severity"), count=Count("pk")
        )
    else:
        severities = [f.severity for f in picture.open_flags]
        flags = {"top": max(severities, default=None), "count": len(severities)}
    if picture is None:
        last_diary = DiaryEntry.objects.filter(patient=patient, local_date__lte=today).aggregate(
            last=Max("local_date")
        )["last"]
    else:
        last_diary = picture.last_diary_on
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


def _regimen_effects(picture: ClinicalPicture, regimen: Regimen, today: date) -> list:
    """regimen_side_effects, from the picture."""
    last = last_day(regimen, today)
    if regimen.started_on > last:
        return []
    return picture.side_effects(regimen.started_on, last)


def _lock_with_status(patient: Patient) -> PatientStatus | None:
    """Lock the patient (one save or refresh at a time) and read its status row in the same
    query; None when it has none yet."""
    locked = (
        Patient.objects.select_for_update(of=("self",))
        .select_related("status")
        .filter(pk=patient.pk)
        .first()
    )
    return getattr(locked, "status", None) if locked is not None else None


@in_portal_language
@transaction.atomic(savepoint=False)  # a part of the service that changed the picture
def status_refresh_patient(
    *, patient: Patient, now: datetime | None = None, picture: ClinicalPicture | None = None
) -> PatientStatus:
    """Bring the patient's status row up to date, on their local date. `picture`: the
    patient's ClinicalPicture, read under the lock in this transaction and brought up to
    date by the save (its flags evaluated), used when it was read for that date."""
    now = now or timezone.now()
    today = local_today(patient)
    if picture is not None and picture.today == today and picture.open_flags is not None:
        row = picture.status_row  # the patient is locked: the picture was read under it
    else:
        picture = None
        row = _lock_with_status(patient)
    values = compute_status(patient=patient, today=today, picture=picture)
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
    # On a page none is usually due: their ids first (a plain query, not a server-side
    # cursor, and cheaper to build than one with the patients), the patients only when some are.
    ids = list(due.order_by("next_change_at", "patient").values_list("patient", flat=True))
    if not ids:
        return 0
    found = Patient.objects.select_related("user").in_bulk(ids)
    for pk in ids:
        status_refresh_patient(patient=found[pk], now=now)
    return len(ids)


def status_account_changed(user) -> None:
    """The patient's name or time zone changed (portal.accounts.services.account_update):
    their row's place in the patient list and the instant its next change comes follow, under
    the patient's lock like every refresh."""
    patient = Patient.objects.select_related("user").filter(user=user).first()
    if patient is not None:
        status_refresh_patient(patient=patient)


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


# The clinical picture a save reads once -------------------------------------------------------


def _exists(*subqueries: tuple[str, list]) -> RawSQL:
    """EXISTS (one) OR EXISTS (another) ...: table and column names come from the models,
    every value is a parameter."""
    sql = " OR ".join(f"EXISTS ({query})" for query, _params in subqueries)
    params = [value for _query, values in subqueries for value in values]
    return RawSQL(f"({sql})", params, output_field=BooleanField())  # noqa: S611


def _patient_facts(patient: Patient, latest: date) -> dict:
    """What the picture needs to know of the patient before reading more, as EXISTS
    subqueries to annotate any query with (no row of their own): thyroid, glucose and
    bowel questions, opioids on the list, open pause plans, side effects ever reported
    outside the diary. Written as SQL: the ORM's Exists costs more to build than the query
    takes to run."""
    q = connection.ops.quote_name
    pc = q(Patient.conditions.through._meta.db_table)
    condition, medication = q(Condition._meta.db_table), q(Medication._meta.db_table)
    plan, report = q(PausePlan._meta.db_table), q(SideEffectReport._meta.db_table)
    pk = patient.pk
    conditions = (
        f"SELECT 1 FROM {pc} pc INNER JOIN {condition} c ON c.id = pc.condition_id "  # noqa: S608
        "WHERE pc.patient_id = %s AND "
    )
    medications = f"SELECT 1 FROM {medication} m WHERE m.patient_id = %s AND "  # noqa: S608

    def slugs(names):
        return _exists((conditions + f"c.slug IN ({', '.join(['%s'] * len(names))})", [pk, *names]))

    return {
        "picture_thyroid": _exists(
            (conditions + "c.is_thyroid", [pk]),
            (medications + "m.is_thyroid_hormone AND m.stopped_on IS NULL", [pk]),
        ),
        "picture_glucose": slugs(GLUCOSE_CONDITIONS),
        "picture_stools": slugs(BOWEL_CONDITIONS),
        "picture_blocking": _exists(
            (medications + "m.screening = %s", [pk, Medication.Screening.BLOCK.value])
        ),
        "picture_plans": _exists(
            (
                f"SELECT 1 FROM {plan} p WHERE p.patient_id = %s AND p.status IN (%s, %s)",  # noqa: S608
                [pk, PausePlan.Status.APPROVED.value, PausePlan.Status.PROPOSED.value],
            )
        ),
        "picture_reports": _exists(
            (
                f"SELECT 1 FROM {report} r WHERE r.patient_id = %s AND r.{q('on')} <= %s",  # noqa: S608
                [pk, latest],
            )
        ),
    }


def _open_regimen(patient: Patient, facts: dict) -> tuple[Regimen | None, dict]:
    """The open regimen with its protocol and steps, and the patient's facts: in one query
    (the steps, joined to their regimen) unless no step or no regimen is open."""
    steps = list(
        TitrationStep.objects.filter(regimen__patient=patient, regimen__status__in=Regimen.OPEN)
        .select_related("regimen__protocol")
        .annotate(**facts)
    )
    if steps:
        regimen, known = steps[0].regimen, steps[0]
    else:
        regimen = (
            Regimen.objects.filter(patient=patient, status__in=Regimen.OPEN)
            .select_related("protocol")
            .annotate(**facts)
            .first()
        )
        known = regimen or Patient.objects.filter(pk=patient.pk).annotate(**facts).first()
    if regimen is not None:
        regimen.patient = patient
        for step in steps:
            step.regimen = regimen
        cached = TitrationStep.objects.filter(regimen=regimen)
        cached._result_cache, cached._prefetch_done = steps, True
        regimen._prefetched_objects_cache = {"steps": cached}
    return regimen, {name: bool(getattr(known, name, False)) for name in facts}


def clinical_picture_read(
    *, patient: Patient, today: date, day: date | None = None
) -> ClinicalPicture:
    """The patient's clinical picture on `today` (patients.status.ClinicalPicture), read
    after locking the patient (one save at a time, as status_refresh_patient and
    flags_evaluate lock it): the status row, the open regimen with its steps, the pause plans
    and opioids when there are any, the dose log, the diary and the side effects from the
    earliest day the flag rules or the engine look at, in five queries for most patients."""
    row = _lock_with_status(patient)
    latest = max(today, day or today)
    regimen, has = _open_regimen(patient, _patient_facts(patient, latest))
    medications = (
        list(Medication.objects.filter(patient=patient, screening=Medication.Screening.BLOCK))
        if has["picture_blocking"]
        else []
    )
    plans = (
        list(
            PausePlan.objects.filter(
                patient=patient, status__in=[PausePlan.Status.APPROVED, PausePlan.Status.PROPOSED]
            ).order_by("pause_from")
        )
        if has["picture_plans"]
        else []
    )
    limits = flag_thresholds()
    active = regimen if regimen is not None and regimen.is_active else None
    current = regimen.current_step if regimen is not None else None
    step_up_on = step_up_of(active, today)
    first_log = min(
        d for d in (missed_since(today, limits), day, current and current.started_on) if d
    )
    dose_logs = list(
        DoseLog.objects.filter(regimen__patient=patient, on__gte=first_log, on__lte=latest)
        .order_by("on")
        .values_list("regimen_id", "on", "status")
    )
    first_missed = missed_since(today, limits)
    missed = tuple(
        sorted(
            on
            for _rid, on, status in dose_logs
            if status == DoseLog.Status.MISSED and first_missed <= on <= today
        )
    )
    question = None
    if day is not None and active is not None:
        active_current = active.current_step
        if active_current is not None and active_current.started_on <= day:
            logged = [s for rid, on, s in dose_logs if rid == active.pk and on == day]
            question = DoseQuestion(logged=logged[0] if logged else "")
    # The side effects from the first day the rules or the engine look at; every entry of
    # the recent days (the diary's last day, the entry being saved).
    starts = [side_effects_since(today, limits, step_up_on)]
    if regimen is not None:
        starts.append(regimen.started_on)
    recent = today - timedelta(days=limits.lookback_days)
    if day is not None:
        starts.append(day)
        recent = min(recent, day)
    first = min(starts)
    entries = {
        e.local_date: e
        for e in diary_entries_between(patient=patient, first=first, last=latest, every_from=recent)
    }
    written = [d for d in entries if recent <= d <= today]
    if written:
        last_diary_on = max(written)
    elif day is not None and day <= today:
        last_diary_on = None  # older than `day`: the save makes `day` the last
    else:
        last_diary_on = DiaryEntry.objects.filter(patient=patient, local_date__lte=today).aggregate(
            last=Max("local_date")
        )["last"]
    return ClinicalPicture(
        patient=patient,
        today=today,
        day=day,
        status_row=row,
        regimen=regimen,
        treatment=TreatmentFacts(
            regimen_started_on=active.started_on if active else None,
            step_up_on=step_up_on,
            missed_dose_days=missed,
        ),
        questions=DiaryQuestions(
            thyroid=has["picture_thyroid"],
            glucose=has["picture_glucose"],
            stools=has["picture_stools"],
        ),
        thyroid_patient=has["picture_thyroid"],
        blocking_medications=medications,
        plans=plans,
        first=first,
        entries=entries,
        reports=(
            side_effect_reports(patient=patient, first=first, last=latest)
            if has["picture_reports"]
            else []
        ),
        dose_logs=dose_logs,
        last_diary_on=last_diary_on,
        dose_question=question,
    )
