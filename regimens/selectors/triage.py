"""The provider's triage queue: their care team's patients by the most serious open flag,
then by the titration queue's order, one page at a time, in a fixed number of queries.

The order is worked out for the whole team from plain values (triage_order, queue_rank);
the titration engine runs only for the page's patients (regimens.selectors.queue.
engine_review). Triage sits with the regimens because it ranks by the titration queue.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from django.db.models import FilteredRelation, Max, Min, OuterRef, Q, Subquery

from patients.models import DiaryEntry, Flag, Patient
from patients.rules.side_effects import SLEEP_KEYS
from patients.selectors.records import visible_patients
from patients.selectors.side_effects import side_effects_of
from regimens import titration
from regimens.models import Regimen, TitrationStep
from regimens.selectors.engine import side_effects_by_regimen
from regimens.selectors.queue import QueueItem, engine_review, with_engine_inputs

TRIAGE_PAGE_SIZE = 20


@dataclass
class TriageRow:
    patient: Patient  # with open_flag_list, top_severity, last_entry_on
    regimen: Regimen | None
    recommendation: titration.Recommendation | None
    queue_item: QueueItem | None

    @property
    def flag_ids(self) -> list[int]:
        return [flag.pk for flag in self.patient.open_flag_list]


@dataclass
class TriagePage:
    rows: list[TriageRow]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


class ActiveRegimen(NamedTuple):
    """What the queue's order needs of an active regimen, from one values() row."""

    dose_time: str
    hold_requested: bool
    window_days: int  # the protocol's tolerance window
    step_started: date | None  # the current step's first day
    due_on: date | None  # the next planned step's date


# The engine's default for "sleep trouble on this many days suggests morning dosing".
SLEEP_SWITCH_DAYS = titration.Rules.__dataclass_fields__["sleep_switch_days"].default
NOTHING_TO_DECIDE = 9


def queue_rank(regimen: ActiveRegimen, effects, today: date) -> int:
    """The titration queue's order (regimens.selectors.titration_queue, most pressing reason
    first) worked out from plain values, without running the engine: 0 a severe side effect
    in the tolerance window (the engine steps back), 1 the patient asked to hold, 2 a
    moderate side effect in the window, 3 sleep trouble on enough days at bedtime (morning
    dosing), 4 the next step is due, NOTHING_TO_DECIDE otherwise. `effects` are
    (day, engine kind, severity) from the diary and the side-effect reports; the window is
    the engine's (titration.in_window): from the later of the current step's first day and
    today - window + 1, to today."""
    if regimen.step_started is None:
        return NOTHING_TO_DECIDE  # no current step: the engine has nothing to say
    first = max(today - timedelta(days=regimen.window_days - 1), regimen.step_started)
    counted = [(day, kind, sev) for day, kind, sev in effects if first <= day <= today and sev]
    if any(sev >= titration.SEVERE for _d, _k, sev in counted):
        return 0
    if regimen.hold_requested:
        return 1
    if any(sev >= titration.MODERATE for _d, _k, sev in counted):
        return 2
    sleep_days = {day for day, kind, _s in counted if kind in SLEEP_KEYS}
    if regimen.dose_time == titration.BEDTIME and len(sleep_days) >= SLEEP_SWITCH_DAYS:
        return 3
    if regimen.due_on is not None and regimen.due_on <= today:
        return 4
    return NOTHING_TO_DECIDE


def _window_effects(visible, regimens: dict, today: date) -> dict[int, list]:
    """(day, item, severity) per patient from the one read path (the diary, Tonight and the
    care team's reports), over the longest tolerance window among these regimens."""
    if not regimens:
        return {}
    first = today - timedelta(days=max(r.window_days for r in regimens.values()) - 1)
    found = side_effects_of(patient_ids=list(regimens), first=first, last=today)
    return {
        patient_id: [(e.day, e.item, e.severity) for e in effects]
        for patient_id, effects in found.items()
    }


@dataclass(frozen=True)
class TriageEntry:
    patient_id: int
    top_severity: int | None
    queue_rank: int
    due_on: date | None
    name: str

    @property
    def sort_key(self):
        return (-(self.top_severity or 0), self.queue_rank, self.due_on or date.max, self.name)


def triage_order(*, provider, today: date) -> list[TriageEntry]:
    """The provider's patients who need attention, most pressing first, in three queries at
    any size (no per-patient query, no engine run): the most serious open flag (urgent,
    attention, info), then the titration queue's order (queue_rank), then the earliest due
    step, then the name. Patients with no open flag and nothing to decide are left out."""
    visible = visible_patients(provider)
    # One row per patient. The joins repeat rows (flags x steps), which Max and Min ignore;
    # a patient has at most one active regimen (one_open_regimen_per_patient).
    rows = (
        visible.order_by()
        .annotate(
            active=FilteredRelation("regimens", condition=Q(regimens__status=Regimen.Status.ACTIVE))
        )
        .annotate(
            top_severity=Max("flags__severity", filter=Q(flags__resolved_at__isnull=True)),
            dose_time=Max("active__dose_time"),
            hold_requested_at=Max("active__hold_requested_at"),
            window_days=Max("active__protocol__tolerance_window_days"),
            step_started=Max(
                "active__steps__started_on",
                filter=Q(active__steps__status=TitrationStep.Status.CURRENT),
            ),
            due_on=Min(
                "active__steps__planned_on",
                filter=Q(active__steps__status=TitrationStep.Status.PLANNED),
            ),
        )
        .values_list(
            "pk",
            "user__name",
            "top_severity",
            "dose_time",
            "hold_requested_at",
            "window_days",
            "step_started",
            "due_on",
        )
    )
    patients, regimens = [], {}
    for pk, name, top_severity, dose_time, hold, window, started, due in rows:
        patients.append((pk, name, top_severity))
        if dose_time:
            regimens[pk] = ActiveRegimen(dose_time, hold is not None, window, started, due)
    effects = _window_effects(visible, regimens, today)
    entries = []
    for pk, name, top_severity in patients:
        regimen = regimens.get(pk)
        rank = NOTHING_TO_DECIDE
        if regimen is not None and (
            pk in effects
            or regimen.hold_requested
            or (regimen.due_on is not None and regimen.due_on <= today)
        ):
            rank = queue_rank(regimen, effects.get(pk, ()), today)
        if top_severity is None and rank == NOTHING_TO_DECIDE:
            continue
        entries.append(
            TriageEntry(
                patient_id=pk,
                top_severity=top_severity,
                queue_rank=rank,
                due_on=regimen.due_on if regimen else None,
                name=name,
            )
        )
    entries.sort(key=lambda e: (*e.sort_key, e.patient_id))
    return entries


def triage_queue(*, provider, today: date, page: int = 1) -> TriagePage:
    """One page of the triage queue in a fixed number of queries at any size: the order
    (triage_order), then the page's patients, their open flags, their last diary day and
    their active regimens with the engine's inputs, for the engine's recommendation."""
    page = max(page, 1)
    order = triage_order(provider=provider, today=today)
    start = (page - 1) * TRIAGE_PAGE_SIZE
    chosen = order[start : start + TRIAGE_PAGE_SIZE]
    if not chosen:
        return TriagePage(rows=[], number=page, has_next=False)
    ids = [entry.patient_id for entry in chosen]
    last_entry = DiaryEntry.objects.filter(patient=OuterRef("pk")).order_by("-local_date")
    patients = (
        Patient.objects.select_related("user")
        .annotate(last_entry_on=Subquery(last_entry.values("local_date")[:1]))
        .in_bulk(ids)
    )
    flags = {}
    for flag in Flag.objects.filter(patient__in=ids, resolved_at__isnull=True):
        flags.setdefault(flag.patient_id, []).append(flag)
    regimens = {
        regimen.patient_id: regimen
        for regimen in with_engine_inputs(
            Regimen.objects.filter(patient__in=ids, status=Regimen.Status.ACTIVE)
        )
    }
    effects = side_effects_by_regimen(regimens.values(), today)
    rows = []
    for entry in chosen:
        patient = patients[entry.patient_id]
        patient.top_severity = entry.top_severity
        patient.open_flag_list = flags.get(patient.pk, [])
        regimen = regimens.get(patient.pk)
        recommendation, item = (
            engine_review(regimen, today, effects=effects.get(regimen.pk, []))
            if regimen
            else (None, None)
        )
        rows.append(
            TriageRow(
                patient=patient, regimen=regimen, recommendation=recommendation, queue_item=item
            )
        )
    return TriagePage(rows=rows, number=page, has_next=len(order) > start + TRIAGE_PAGE_SIZE)
