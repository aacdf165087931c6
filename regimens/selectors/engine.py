"""The titration engine's inputs, gathered in one place, and its recommendation for a regimen.

Side effects come through the patient record's one read path (patients.selectors.
side_effects): the diary, Tonight and the care team's reports, one per day and item at the
worse severity. The engine itself is the pure regimens.titration.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from patients.selectors.side_effects import SideEffect, side_effects_for, side_effects_of
from portal.lib.formats import mg
from regimens import safety, titration
from regimens.models import Regimen, TitrationStep


@dataclass(frozen=True)
class EngineInputs:
    rules: titration.Rules
    state: titration.State
    side_effects: tuple[titration.SideEffect, ...]


def _steps(regimen: Regimen) -> list[TitrationStep]:
    return sorted(regimen.steps.all(), key=lambda step: step.sequence)


def _last_day(regimen: Regimen, today: date) -> date:
    return min(today, regimen.ended_on) if regimen.ended_on else today


def regimen_side_effects(regimen: Regimen, today: date) -> list[SideEffect]:
    """The side effects of the regimen's days up to `today` (the one read path)."""
    if regimen.started_on > _last_day(regimen, today):
        return []
    return side_effects_for(
        patient=regimen.patient, first=regimen.started_on, last=_last_day(regimen, today)
    )


def side_effects_by_regimen(regimens, today: date) -> dict[int, list[SideEffect]]:
    """regimen_side_effects for many regimens in two queries (the queue and triage)."""
    regimens = [r for r in regimens if r.started_on <= _last_day(r, today)]
    if not regimens:
        return {}
    found = side_effects_of(
        patient_ids=[r.patient_id for r in regimens],
        first=min(r.started_on for r in regimens),
        last=today,
    )
    return {
        r.pk: [
            e for e in found.get(r.patient_id, []) if r.started_on <= e.day <= _last_day(r, today)
        ]
        for r in regimens
    }


def _engine_effects(effects: list[SideEffect]) -> list[titration.SideEffect]:
    return [titration.SideEffect(day=e.day, kind=e.item, severity=e.severity) for e in effects]


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


def engine_inputs_for(
    regimen: Regimen, today: date, *, effects: list[SideEffect] | None = None
) -> EngineInputs | None:
    """Everything the engine needs about a regimen on `today`, or None when no step is
    current (a stopped or completed regimen). The one place engine inputs are gathered.

    Pass `effects` (side_effects_by_regimen) when they are already read for many regimens;
    the regimen's steps are read through .all(), so a prefetch serves a whole list.
    """
    steps = _steps(regimen)
    current = next((s for s in steps if s.status == TitrationStep.Status.CURRENT), None)
    if current is None:
        return None
    if effects is None:
        effects = regimen_side_effects(regimen, today)
    engine_effects = _engine_effects(effects)
    rules = regimen.protocol.rules(dose_quantum_mg=safety.dose_quantum(regimen.formulation()))
    state = titration.State(
        dose_mg=current.dose_mg,
        step_started=current.started_on,
        dose_time=regimen.dose_time,
        last_tolerated_mg=_last_tolerated(steps, current, engine_effects),
    )
    return EngineInputs(rules=rules, state=state, side_effects=tuple(engine_effects))


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
    ) % {"dose": mg(dose)}


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
