"""Reads of regimens, scoped to the viewer, and the inputs of the titration engine.

A regimen the viewer may not see answers 404, like the patient record it belongs to.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from patients.models import Patient
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


def _last_tolerated(
    steps: list[TitrationStep], current: TitrationStep, reports: list[SideEffectReport]
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
            step.started_on <= r.on < ends and r.severity >= titration.MODERATE for r in reports
        )
        if not troubled:
            return step.dose_mg
    return None


def engine_inputs_for(regimen: Regimen, today: date) -> EngineInputs | None:
    """Everything the engine needs about a regimen on `today`, or None when no step is
    current (a stopped or completed regimen).

    The one place engine inputs are gathered: side effects come from SideEffectReport until
    the symptom diary replaces it. Reads `regimen.steps` and `regimen.side_effects` through
    .all(), so a prefetched queryset (the titration queue) costs no further queries.
    """
    steps = _steps(regimen)
    current = next((s for s in steps if s.status == TitrationStep.Status.CURRENT), None)
    if current is None:
        return None
    reports = [r for r in regimen.side_effects.all() if r.on <= today]
    rules = regimen.protocol.rules(dose_quantum_mg=safety.dose_quantum(regimen.formulation()))
    state = titration.State(
        dose_mg=current.dose_mg,
        step_started=current.started_on,
        dose_time=regimen.dose_time,
        last_tolerated_mg=_last_tolerated(steps, current, reports),
    )
    return EngineInputs(
        rules=rules,
        state=state,
        side_effects=tuple(r.as_engine_input() for r in reports),
    )


def recommendation_for(regimen: Regimen, today: date) -> titration.Recommendation | None:
    """The engine's recommendation for an active regimen; None for any other."""
    if not regimen.is_active:
        return None
    inputs = engine_inputs_for(regimen, today)
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


def titration_queue(*, provider, today: date) -> list[QueueItem]:
    """The provider's care-team patients with an active regimen that needs a decision: the
    next step is due (its date has come), the engine recommends a step back or morning
    dosing, a moderate or worse side effect holds it, or the patient asked to hold. Most
    pressing first, then by due date. A fixed number of queries at any size."""
    regimens = (
        Regimen.objects.filter(status=Regimen.Status.ACTIVE, patient__in=visible_patients(provider))
        .select_related("protocol", "patient__user")
        .prefetch_related("steps", "side_effects")
    )
    queue = []
    for regimen in regimens:
        inputs = engine_inputs_for(regimen, today)
        if inputs is None:
            continue
        recommendation = recommendation_for(regimen, today)
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
        if why:
            queue.append(
                QueueItem(
                    regimen=regimen,
                    recommendation=recommendation,
                    why=tuple(why),
                    due_on=upcoming.planned_on if upcoming else None,
                )
            )
    queue.sort(
        key=lambda item: (
            min(_QUEUE_ORDER.index(code) for code in item.why),
            item.due_on or date.max,
            item.patient.name,
        )
    )
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
