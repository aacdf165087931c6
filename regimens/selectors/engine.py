"""The titration engine's inputs, gathered in one place, and its recommendation for a regimen.

Side effects come through the patient record's one read path (patients.selectors.
side_effects): the diary, Tonight and the care team's reports, one per day and item at the
worse severity. The engine itself is the pure regimens.titration.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from patients.rules.flags import CAREGIVER
from patients.selectors.side_effects import SideEffect, side_effects_for, side_effects_of
from portal.lib.formats import mg
from regimens import opioids, titration
from regimens.models import DoseLog, Regimen, TitrationStep
from regimens.selectors.opioids import opioid_status_for


@dataclass(frozen=True)
class EngineInputs:
    rules: titration.Rules
    state: titration.State
    side_effects: tuple[titration.SideEffect, ...]
    opioid: titration.OpioidStatus = titration.CLEAR_STATUS
    adherence: titration.Adherence | None = None
    status: opioids.Status | None = None  # the opioid status in full, for pages
    # (day, item) of the side effects a caregiver entered, for the reasons.
    caregiver_entered: frozenset = frozenset()


def engine_opioid(status: opioids.Status) -> titration.OpioidStatus:
    return titration.OpioidStatus(clear=status.is_clear, until=status.until, reason=status.reason)


def adherence_of(regimen: Regimen, step: TitrationStep, today: date, logs=None):
    """The doses since the current step began (titration.Adherence): the days from its first
    day to yesterday, and today once answered; a day with no answer counts as not taken.
    The share moves with a new answer, and by itself only at midnight past a day left
    unanswered (titration.next_change)."""
    if logs is None:
        logs = DoseLog.objects.filter(
            regimen=regimen, on__gte=step.started_on, on__lte=today
        ).values_list("on", "status")
    counted = {day: status for day, status in logs if step.started_on <= day <= today}
    days = max((today - step.started_on).days, 0) + (1 if today in counted else 0)
    return titration.Adherence(
        taken=sum(1 for s in counted.values() if s == DoseLog.Status.TAKEN), days=days
    )


def _steps(regimen: Regimen) -> list[TitrationStep]:
    return sorted(regimen.steps.all(), key=lambda step: step.sequence)


def last_day(regimen: Regimen, today: date) -> date:
    """The regimen's last day up to `today` (its end when it ended earlier)."""
    return min(today, regimen.ended_on) if regimen.ended_on else today


def regimen_side_effects(regimen: Regimen, today: date) -> list[SideEffect]:
    """The side effects of the regimen's days up to `today` (the one read path)."""
    if regimen.started_on > last_day(regimen, today):
        return []
    return side_effects_for(
        patient=regimen.patient, first=regimen.started_on, last=last_day(regimen, today)
    )


def side_effects_by_regimen(regimens, today: date) -> dict[int, list[SideEffect]]:
    """regimen_side_effects for many regimens in two queries (the queue and triage)."""
    regimens = [r for r in regimens if r.started_on <= last_day(r, today)]
    if not regimens:
        return {}
    found = side_effects_of(
        patient_ids=[r.patient_id for r in regimens],
        first=min(r.started_on for r in regimens),
        last=today,
    )
    return {
        r.pk: [
            e for e in found.get(r.patient_id, []) if r.started_on <= e.day <= last_day(r, today)
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
    regimen: Regimen,
    today: date,
    *,
    effects: list[SideEffect] | None = None,
    status: opioids.Status | None = None,
    logs=None,
) -> EngineInputs | None:
    """Everything the engine needs about a regimen on `today`, or None when no step is
    current (a stopped or completed regimen). The one place engine inputs are gathered:
    the side effects (the one read path), the opioid status, the doses taken since the step
    began, the steps and the protocol's rules for this formulation.

    Pass `effects`, `status` and `logs` when they are already read for many regimens (the
    queue, triage); the regimen's steps are read through .all(), so a prefetch serves a list.
    """
    steps = _steps(regimen)
    current = next((s for s in steps if s.status == TitrationStep.Status.CURRENT), None)
    if current is None:
        return None
    if effects is None:
        effects = regimen_side_effects(regimen, today)
    engine_effects = _engine_effects(effects)
    if status is None:
        status = opioid_status_for(patient=regimen.patient, today=today)
    state = titration.State(
        dose_mg=current.dose_mg,
        step_started=current.started_on,
        dose_time=regimen.dose_time,
        last_tolerated_mg=_last_tolerated(steps, current, engine_effects),
        paused_since=regimen.paused_on if regimen.status == Regimen.Status.PAUSED else None,
        paused_for_opioid=regimen.paused_for_opioid,
    )
    return EngineInputs(
        rules=regimen.rules(),
        state=state,
        side_effects=tuple(engine_effects),
        opioid=engine_opioid(status),
        adherence=adherence_of(regimen, current, today, logs),
        status=status,
        caregiver_entered=frozenset((e.day, e.item) for e in effects if e.source == CAREGIVER),
    )


def recommendation_for(
    regimen: Regimen, today: date, *, inputs: EngineInputs | None = None
) -> titration.Recommendation | None:
    """The engine's recommendation for an open (active or paused) regimen; None for a
    stopped or completed one. Pass the regimen's `inputs` when they are already gathered."""
    if not regimen.is_open:
        return None
    inputs = inputs or engine_inputs_for(regimen, today)
    if inputs is None:
        return None
    recommendation = titration.recommend(
        rules=inputs.rules,
        state=inputs.state,
        side_effects=inputs.side_effects,
        today=today,
        opioid=inputs.opioid,
        adherence=inputs.adherence,
    )
    if recommendation.action == titration.Action.ADVANCE and regimen.next_step is None:
        # The provider set this dose as the maintenance dose: the engine does not know that.
        return titration.Recommendation(
            action=titration.Action.MAINTAIN,
            dose_mg=inputs.state.dose_mg,
            reasons=(_maintenance_reason(inputs.state.dose_mg),),
            review_on=None,
        )
    return _with_caregiver_reason(recommendation, inputs, today)


# The recommendations that follow from side effects in the tolerance window.
SIDE_EFFECT_ACTIONS = (titration.Action.HOLD, titration.Action.STEP_BACK, titration.Action.STOP)


def _with_caregiver_reason(
    recommendation: titration.Recommendation, inputs: EngineInputs, today: date
) -> titration.Recommendation:
    """Say so when side effects behind a hold, step back or stop came from a caregiver."""
    if recommendation.action not in SIDE_EFFECT_ACTIONS or not inputs.caregiver_entered:
        return recommendation
    counted = side_effect_counts(inputs, today)
    if not any(
        (e.day, e.kind) in inputs.caregiver_entered
        for e in counted
        if e.severity >= titration.MODERATE
    ):
        return recommendation
    note = _("Some of these recent side effects were entered by a caregiver.")
    return replace(recommendation, reasons=(*recommendation.reasons, note))


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
    """The dose to resume at (titration.resume_dose): the old dose after a short break,
    else the protocol's start dose."""
    current = regimen.current_step
    if current is None:
        return regimen.protocol.start_mg
    break_days = (today - regimen.paused_on).days if regimen.paused_on else 0
    return titration.resume_dose(
        rules=regimen.rules(), dose_mg=current.dose_mg, break_days=break_days
    )


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


# Why a decision waits: the titration queue's codes, most pressing first.
QUEUE_ORDER = (
    "opioid",
    "plan",
    "restart",
    "step_back",
    "hold_requested",
    "side_effects",
    "switch_time",
    "due",
)
NOTHING_WAITS = 99


@dataclass(frozen=True)
class Review:
    """The engine's recommendation for an open regimen and why a decision waits (empty when
    none does)."""

    recommendation: titration.Recommendation
    why: tuple[str, ...]
    due_on: date | None  # the next planned step's date
    changes_on: date | None = None  # the first later day the engine may say otherwise

    @property
    def rank(self) -> int:
        return queue_rank(self.why)


def queue_rank(why) -> int:
    """The most pressing reason's place in the titration queue's order (0 first)."""
    return min((QUEUE_ORDER.index(code) for code in why), default=NOTHING_WAITS)


def review(regimen: Regimen, today: date, inputs: EngineInputs) -> Review:
    """What the engine says of the regimen and why it is in the titration queue: an opioid
    while LDN is active (pause first of all), a restart due, a step back (or a stop) to
    consider, a hold the patient asked for, a moderate side effect in the window, sleep
    trouble at bedtime, or the next step's date has come."""
    recommendation = recommendation_for(regimen, today, inputs=inputs)
    action = recommendation.action
    upcoming = regimen.next_step
    why = []
    if action == titration.Action.PAUSE and regimen.is_active:
        why.append("opioid")
    if action == titration.Action.RESUME:
        why.append("restart")
    if regimen.is_active and inputs.opioid.clear:
        if action in (titration.Action.STEP_BACK, titration.Action.STOP):
            why.append("step_back")
        if regimen.hold_requested_at is not None:
            why.append("hold_requested")
        if any(e.severity >= titration.MODERATE for e in side_effect_counts(inputs, today)):
            why.append("side_effects")
        if action == titration.Action.SWITCH_TO_MORNING:
            why.append("switch_time")
        if upcoming is not None and upcoming.planned_on <= today:
            why.append("due")
    return Review(
        recommendation=recommendation,
        why=tuple(why),
        due_on=upcoming.planned_on if upcoming else None,
        changes_on=titration.next_change(
            rules=inputs.rules,
            state=inputs.state,
            side_effects=inputs.side_effects,
            today=today,
            opioid=inputs.opioid,
            adherence=inputs.adherence,
        ),
    )
