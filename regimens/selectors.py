"""Reads of regimens, scoped to the viewer, and the inputs of the titration engine.

A regimen the viewer may not see answers 404, like the patient record it belongs to.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from patients.models import DiaryEntry, Patient
from patients.selectors import visible_patients
from regimens import safety, titration
from regimens.models import (
    CalendarFeed,
    DoseLog,
    Protocol,
    Regimen,
    RegimenEvent,
    SideEffectReport,
    TitrationStep,
)

DOSE_LOG_DAYS = 14


# The titration engine's inputs ------------------------------------------------------------------


@dataclass(frozen=True)
class EngineInputs:
    rules: titration.Rules
    state: titration.State
    side_effects: tuple[titration.SideEffect, ...]


def _steps(regimen: Regimen) -> list[TitrationStep]:
    return sorted(regimen.steps.all(), key=lambda step: step.sequence)


# Diary items the engine counts as side effects, and the engine's name for each. The thyroid
# items count too: palpitations or tremor that get in the way are no time to step up.
DIARY_SIDE_EFFECTS = {
    "vivid_dreams": "vivid_dreams",
    "insomnia": "insomnia",
    "headache": "headache",
    "nausea": "nausea",
    "other_effect": "other",
    "palpitations": "palpitations",
    "tremor": "tremor",
    "heat_intolerance": "heat_intolerance",
    "anxiety": "anxiety",
}
# Attribute the engine's diary prefetch leaves on each patient.
ENGINE_DIARY_ATTR = "engine_diary_entries"


def diary_side_effect_entries(queryset=None) -> QuerySet[DiaryEntry]:
    """Diary entries with any side effect rated mild or worse, with just those fields."""
    queryset = DiaryEntry.objects.all() if queryset is None else queryset
    any_effect = reduce(or_, (Q(**{f"{name}__gte": titration.MILD}) for name in DIARY_SIDE_EFFECTS))
    return queryset.filter(any_effect).only("patient_id", "local_date", *DIARY_SIDE_EFFECTS)


def engine_diary_prefetch(lookup: str = "patient__diary_entries") -> Prefetch:
    """Prefetch the diary entries engine_inputs_for reads, for regimens of open regimens:
    only the days with a side effect, from the regimen's start on."""
    queryset = diary_side_effect_entries().filter(
        patient__regimens__status__in=Regimen.OPEN,
        local_date__gte=F("patient__regimens__started_on"),
    )
    return Prefetch(lookup, queryset=queryset, to_attr=ENGINE_DIARY_ATTR)


def _diary_entries(regimen: Regimen, today: date) -> list[DiaryEntry]:
    prefetched = getattr(regimen.patient, ENGINE_DIARY_ATTR, None)
    if prefetched is not None:
        return prefetched
    return list(
        diary_side_effect_entries(regimen.patient.diary_entries.all()).filter(
            local_date__gte=regimen.started_on, local_date__lte=today
        )
    )


def side_effects_for(regimen: Regimen, today: date) -> list[titration.SideEffect]:
    """The regimen's side effects up to `today`: the symptom diary's items from the
    regimen's first day on, and the side-effect reports made on the Tonight and regimen
    pages. A day and kind reported in both counts once, at the worse severity."""
    worst: dict[tuple[date, str], int] = {}
    last_day = min(today, regimen.ended_on) if regimen.ended_on else today
    for entry in _diary_entries(regimen, today):
        if not regimen.started_on <= entry.local_date <= last_day:
            continue
        for field, kind in DIARY_SIDE_EFFECTS.items():
            severity = getattr(entry, field)
            if severity:
                key = (entry.local_date, kind)
                worst[key] = max(worst.get(key, 0), severity)
    for report in regimen.side_effects.all():
        if report.on <= today:
            key = (report.on, report.kind)
            worst[key] = max(worst.get(key, 0), report.severity)
    return [
        titration.SideEffect(day=day, kind=kind, severity=severity)
        for (day, kind), severity in sorted(worst.items())
    ]


def _last_tolerated(
    steps: list[TitrationStep], current: TitrationStep, effects: list[titration.SideEffect]
) -> Decimal | None:
    """The most recent earlier dose, lower than the current one, taken without a moderate or
    worse side effect while it lasted."""
    taken = [s for s in steps if s.status == TitrationStep.Status.DONE and s.started_on]
    for index in range(len(taken) - 1, -1, -1):
        step = taken[index]
        if step.dose_mg >= current.dose_mg:
            continue
        ends = taken[index + 1].started_on if index + 1 < len(taken) else current.started_on
        troubled = any(
            step.started_on <= e.day < ends and e.severity >= titration.MODERATE for e in effects
        )
        if not troubled:
            return step.dose_mg
    return None


def engine_inputs_for(regimen: Regimen, today: date) -> EngineInputs | None:
    """Everything the engine needs about a regimen on `today`, or None when no step is
    current (a stopped or completed regimen).

    The one place engine inputs are gathered. Side effects come from the symptom diary and,
    as a second source, from SideEffectReport rows (side_effects_for). Reads
    `regimen.steps` and `regimen.side_effects` through .all() and the patient's diary
    through engine_diary_prefetch when it was prefetched, so a list (the titration queue,
    the triage queue) costs no further queries per regimen.
    """
    steps = _steps(regimen)
    current = next((s for s in steps if s.status == TitrationStep.Status.CURRENT), None)
    if current is None:
        return None
    effects = side_effects_for(regimen, today)
    rules = regimen.protocol.rules(dose_quantum_mg=safety.dose_quantum(regimen.formulation()))
    state = titration.State(
        dose_mg=current.dose_mg,
        step_started=current.started_on,
        dose_time=regimen.dose_time,
        last_tolerated_mg=_last_tolerated(steps, current, effects),
    )
    return EngineInputs(rules=rules, state=state, side_effects=tuple(effects))


def recommendation_for(
    regimen: Regimen, today: date, *, inputs: EngineInputs | None = None
) -> titration.Recommendation | None:
    """The engine's recommendation for an active regimen; None for any other. Pass the
    regimen's `inputs` when they are already gathered."""
    if not regimen.is_active:
        return None
    inputs = inputs or engine_inputs_for(regimen, today)
    if inputs is None:
        return None
    recommendation = titration.recommend(
        rules=inputs.rules, state=inputs.state, side_effects=inputs.side_effects, today=today
    )
    if recommendation.action == titration.Action.ADVANCE and regimen.next_step is None:
        # The provider set this dose as the maintenance dose: the engine does not know that.
        return titration.Recommendation(
            action=titration.Action.MAINTAIN,
            dose_mg=inputs.state.dose_mg,
            reasons=(_maintenance_reason(inputs.state.dose_mg),),
            review_on=None,
        )
    return recommendation


def _maintenance_reason(dose: Decimal) -> str:
    return _(
        "%(dose)s mg was set as the maintenance dose: no further step is planned. Step up to "
        "titrate further."
    ) % {"dose": titration.mg(dose)}


def side_effect_counts(inputs: EngineInputs, today: date) -> list[titration.SideEffect]:
    """The side effects the engine counts on `today` (inside the tolerance window)."""
    return titration.in_window(
        rules=inputs.rules, state=inputs.state, side_effects=inputs.side_effects, today=today
    )


def resume_dose_suggestion(regimen: Regimen, today: date) -> Decimal:
    """The dose to resume at: the old dose after a break of up to two weeks, else the
    protocol's start dose (LDN Research Trust, Dickson; CLINICAL.md 2, after surgery)."""
    current = regimen.current_step
    if current is None:
        return regimen.protocol.start_mg
    break_days = (today - regimen.paused_on).days if regimen.paused_on else 0
    if break_days <= settings.LDN["RESUME_SAME_DOSE_MAX_BREAK_DAYS"]:
        return current.dose_mg
    return min(regimen.protocol.start_mg, current.dose_mg)


def decision_suggestion(*, action: str, regimen: Regimen, today: date):
    """What a decision form starts with: the engine's dose or date where it has one, else
    the plan's. `action` is a decision's URL slug (advance, hold, step-back, dose-time,
    resume); None when there is nothing to suggest."""
    inputs = engine_inputs_for(regimen, today)
    if action == "resume":
        return resume_dose_suggestion(regimen, today)
    if action == "dose-time":
        other = {titration.BEDTIME: titration.MORNING, titration.MORNING: titration.BEDTIME}
        return other[regimen.dose_time]
    if inputs is None:
        return None
    recommendation = recommendation_for(regimen, today)
    engine = recommendation.action if recommendation else None
    upcoming = regimen.next_step
    if action == "advance":
        if engine == titration.Action.ADVANCE:
            return recommendation.dose_mg
        if upcoming is not None:
            return upcoming.dose_mg
        return titration.next_dose(rules=inputs.rules, dose_mg=inputs.state.dose_mg)
    if action == "step-back":
        if engine == titration.Action.STEP_BACK:
            return recommendation.dose_mg
        return titration.step_back_dose(rules=inputs.rules, state=inputs.state)
    if action == "hold":
        if engine == titration.Action.HOLD and recommendation.review_on > today:
            return recommendation.review_on
        base = max(upcoming.planned_on, today) if upcoming else today
        return base + timedelta(days=inputs.rules.tolerance_window_days)
    return None


# Regimens as the viewer may see them ----------------------------------------------------------


def _with_steps(queryset: QuerySet[Regimen]) -> QuerySet[Regimen]:
    return queryset.select_related("protocol", "patient__user").prefetch_related("steps")


def current_regimen(*, patient: Patient) -> Regimen | None:
    """The patient's active or paused regimen, with its protocol and steps; None if none."""
    return _with_steps(Regimen.objects.filter(patient=patient, status__in=Regimen.OPEN)).first()


def regimen_for(viewer, *, patient: Patient, pk) -> Regimen:
    """One of `patient`'s regimens, for a viewer who may see the patient; 404 otherwise."""
    try:
        return (
            _with_steps(Regimen.objects.filter(patient__in=visible_patients(viewer)))
            .prefetch_related(
                Prefetch(
                    "side_effects",
                    queryset=SideEffectReport.objects.select_related("entered_by"),
                )
            )
            .get(pk=pk, patient=patient)
        )
    except (Regimen.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def regimens_of(*, patient: Patient) -> QuerySet[Regimen]:
    """All of a patient's regimens, newest first."""
    return Regimen.objects.filter(patient=patient).select_related("protocol")


def plan_history(*, regimen: Regimen) -> QuerySet[RegimenEvent]:
    return RegimenEvent.objects.filter(regimen=regimen).select_related("actor")


def recent_dose_logs(*, regimen: Regimen, today: date, days: int = DOSE_LOG_DAYS):
    return DoseLog.objects.filter(regimen=regimen, on__gt=today - timedelta(days=days))


def startable_protocols() -> QuerySet[Protocol]:
    """The protocols a provider may start a regimen from: current versions only."""
    return Protocol.objects.filter(retired_at__isnull=True).order_by("name")


def describe(regimen: Regimen, dose: Decimal) -> str:
    """ "3 mg: 3.0 mL of your 1 mg/mL liquid"; the bare dose when it cannot be measured."""
    try:
        return safety.describe_dose(dose, regimen.formulation())
    except ValueError:
        return f"{safety.format_decimal(dose)} mg"


# The provider's titration queue -------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    regimen: Regimen
    recommendation: titration.Recommendation
    why: tuple[str, ...]  # codes: step_back, hold_requested, side_effects, switch_time, due
    due_on: date | None  # the next planned step's date

    @property
    def patient(self) -> Patient:
        return self.regimen.patient

    @property
    def current_dose(self) -> str:
        step = self.regimen.current_step
        return describe(self.regimen, step.dose_mg) if step else ""


_QUEUE_ORDER = ("step_back", "hold_requested", "side_effects", "switch_time", "due")


def with_engine_inputs(queryset: QuerySet[Regimen]) -> QuerySet[Regimen]:
    """Regimens with everything engine_inputs_for reads, in a fixed number of queries."""
    return queryset.select_related("protocol", "patient__user").prefetch_related(
        "steps", "side_effects", engine_diary_prefetch()
    )


def queue_item_for(regimen: Regimen, today: date) -> QueueItem | None:
    """The regimen's place in the titration queue, or None when no decision waits."""
    return engine_review(regimen, today)[1]


def engine_review(
    regimen: Regimen, today: date
) -> tuple[titration.Recommendation | None, QueueItem | None]:
    """The engine's recommendation for the regimen and, when a decision waits, its titration
    queue item, from one gathering of the engine's inputs. (None, None) when the regimen is
    not active or has no current step."""
    if not regimen.is_active:
        return None, None
    inputs = engine_inputs_for(regimen, today)
    if inputs is None:
        return None, None
    recommendation = recommendation_for(regimen, today, inputs=inputs)
    upcoming = regimen.next_step
    why = []
    if recommendation.action == titration.Action.STEP_BACK:
        why.append("step_back")
    if regimen.hold_requested_at is not None:
        why.append("hold_requested")
    if any(e.severity >= titration.MODERATE for e in side_effect_counts(inputs, today)):
        why.append("side_effects")
    if recommendation.action == titration.Action.SWITCH_TO_MORNING:
        why.append("switch_time")
    if upcoming is not None and upcoming.planned_on <= today:
        why.append("due")
    if not why:
        return recommendation, None
    item = QueueItem(
        regimen=regimen,
        recommendation=recommendation,
        why=tuple(why),
        due_on=upcoming.planned_on if upcoming else None,
    )
    return recommendation, item


def queue_rank(item: QueueItem) -> int:
    """The most pressing reason's place in the queue order (0 first)."""
    return min(_QUEUE_ORDER.index(code) for code in item.why)


def titration_queue(*, provider, today: date) -> list[QueueItem]:
    """The provider's care-team patients with an active regimen that needs a decision: the
    next step is due (its date has come), the engine recommends a step back or morning
    dosing, a moderate or worse side effect holds it, or the patient asked to hold. Most
    pressing first, then by due date. A fixed number of queries at any size."""
    regimens = with_engine_inputs(
        Regimen.objects.filter(status=Regimen.Status.ACTIVE, patient__in=visible_patients(provider))
    )
    queue = [item for regimen in regimens if (item := queue_item_for(regimen, today))]
    queue.sort(key=lambda item: (queue_rank(item), item.due_on or date.max, item.patient.name))
    return queue


# The patient's Tonight page -------------------------------------------------------------------


@dataclass(frozen=True)
class Tonight:
    regimen: Regimen
    today: date
    step: TitrationStep | None
    dose_line: str  # "3 mg: 3.0 mL of your 1 mg/mL liquid"
    next_step: TitrationStep | None
    next_line: str
    steps: list[TitrationStep]
    log: DoseLog | None

    @property
    def paused(self) -> bool:
        return self.regimen.status == Regimen.Status.PAUSED

    @property
    def starts_later(self) -> bool:
        return self.step is not None and self.step.started_on > self.today

    @property
    def awaiting_decision(self) -> bool:
        """The next step's date has come; the care team decides before it applies."""
        return self.next_step is not None and self.next_step.planned_on <= self.today

    @property
    def can_log(self) -> bool:
        return self.regimen.is_active and not self.starts_later

    @property
    def hold_requested(self) -> bool:
        return self.regimen.hold_requested_at is not None


def tonight_for(*, patient: Patient, today: date) -> Tonight | None:
    """What the patient takes today in their own formulation, what comes next, the plan so
    far and today's dose log; None when no regimen is active or paused."""
    regimen = current_regimen(patient=patient)
    if regimen is None:
        return None
    steps = _steps(regimen)
    step = regimen.current_step
    upcoming = regimen.next_step
    return Tonight(
        regimen=regimen,
        today=today,
        step=step,
        dose_line=describe(regimen, step.dose_mg) if step else "",
        next_step=upcoming,
        next_line=describe(regimen, upcoming.dose_mg) if upcoming else "",
        steps=steps,
        log=DoseLog.objects.filter(regimen=regimen, on=today).first(),
    )


# The calendar feed ----------------------------------------------------------------------------


def calendar_feed_for(*, patient: Patient) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).first()


def calendar_feed_by_token(token: str) -> CalendarFeed:
    """The live feed with this token, or 404 (unknown, revoked, or the account is closed)."""
    feed = (
        CalendarFeed.objects.filter(
            token=token, revoked_at__isnull=True, patient__user__is_active=True
        )
        .select_related("patient__user")
        .first()
    )
    if feed is None or len(token) < 32:
        raise Http404
    return feed


def upcoming_steps(*, patient: Patient, since: date) -> list[tuple[Regimen, TitrationStep]]:
    """Steps of the patient's open regimen starting on or after `since`."""
    regimen = current_regimen(patient=patient)
    if regimen is None or not regimen.is_active:
        return []
    return [(regimen, s) for s in _steps(regimen) if s.starts_on >= since]
