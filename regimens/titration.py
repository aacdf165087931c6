"""The titration engine: given a protocol's rules, the current step, recent side effects, the
doses taken and the patient's opioid status, recommend the next move, with the reasons a
provider needs to confirm or override it.

Pure: plain values in, a recommendation out. No ORM, no clock (``today`` is passed in), no
settings. Every transition still needs provider confirmation (docs/clinical-rules.md §10.1).
While the opioid status is not clear the engine only ever recommends pausing (or keeping a
pause), and once it is clear a paused regimen is recommended to resume (§3.5, §2.11).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patients.rules.side_effects import KEYS as SIDE_EFFECT_KEYS
from patients.rules.side_effects import MILD, MODERATE, NONE, SEVERE, SLEEP_KEYS
from patients.rules.side_effects import phrase as side_effect_phrase
from portal.lib.formats import mg
from portal.lib.formats import short_day as _day

BEDTIME, MORNING = "bedtime", "morning"
# Insomnia and vivid dreams count towards "switch to morning dosing" (the catalogue's sleep
# items).
SLEEP_KINDS = SLEEP_KEYS


class Action(StrEnum):
    ADVANCE = "advance"
    HOLD = "hold"
    STEP_BACK = "step_back"
    MAINTAIN = "maintain"
    SWITCH_TO_MORNING = "switch_to_morning"
    PAUSE = "pause"  # no LDN while an opioid or its washout, or a planned pause, lasts
    RESUME = "resume"  # the opioid status is clear again: restart
    STOP = "stop"  # a bad side effect and no lower dose the formulation can measure


@dataclass(frozen=True)
class Rules:
    step_mg: Decimal
    interval_days: int
    target_mg: Decimal
    ceiling_mg: Decimal
    tolerance_window_days: int  # days without a moderate-or-worse side effect before a step up
    sleep_switch_days: int = 3  # days with sleep trouble in the window -> suggest morning dosing
    dose_quantum_mg: Decimal = Decimal("0.25")  # halving rounds down to this
    # The doses the formulation can measure (ascending); None: any multiple of the quantum.
    doses: tuple[Decimal, ...] | None = None
    start_mg: Decimal | None = None  # the protocol's first dose, to titrate again from
    same_dose_max_break_days: int = 14  # resume at the old dose after a break this long
    # of the days since the step began, before a step up [design]
    min_taken_share: Decimal = Decimal("0.8")

    def __post_init__(self):
        for name in ("step_mg", "target_mg", "ceiling_mg", "dose_quantum_mg"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        for name in ("interval_days", "tolerance_window_days", "sleep_switch_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.doses is not None and (
            not self.doses
            or any(d <= 0 for d in self.doses)
            or list(self.doses) != sorted(self.doses)
        ):
            raise ValueError("doses must be positive and ascending")
        if not 0 <= self.min_taken_share <= 1:
            raise ValueError("min_taken_share is a share from 0 to 1")

    def measurable(self, dose: Decimal) -> bool:
        if self.doses is not None:
            return dose in self.doses
        return dose > 0 and (dose / self.dose_quantum_mg) % 1 == 0

    @property
    def cap_mg(self) -> Decimal:
        """The highest dose titration may reach: the target, never above the ceiling."""
        return min(self.target_mg, self.ceiling_mg)


@dataclass(frozen=True)
class SideEffect:
    day: date
    kind: str  # "vivid_dreams", "insomnia", "headache", "nausea", "other", "palpitations", ...
    severity: int  # NONE..SEVERE

    def __post_init__(self):
        if self.severity not in (NONE, MILD, MODERATE, SEVERE):
            raise ValueError("severity must be NONE, MILD, MODERATE or SEVERE")


@dataclass(frozen=True)
class State:
    dose_mg: Decimal  # current dose
    step_started: date  # first day of the current dose
    dose_time: str  # "bedtime" or "morning"
    last_tolerated_mg: Decimal | None  # last lower dose without moderate-or-worse effects
    paused_since: date | None = None  # the regimen is paused since this day
    # ... for an opioid or an operation: once nothing stands in the way, restart. Any other
    # pause (side effects, the patient's wish) ends when the care team decides.
    paused_for_opioid: bool = False

    def __post_init__(self):
        if not self.dose_mg > 0:
            raise ValueError("dose_mg must be positive")
        if self.dose_time not in (BEDTIME, MORNING):
            raise ValueError("dose_time must be 'bedtime' or 'morning'")
        if self.last_tolerated_mg is not None and not self.last_tolerated_mg > 0:
            raise ValueError("last_tolerated_mg must be positive or None")


@dataclass(frozen=True)
class OpioidStatus:
    """What the engine needs of the patient's opioid status (regimens.opioids.Status)."""

    clear: bool
    until: date | None = None  # the first day LDN may be taken again, when known
    reason: str = ""


CLEAR_STATUS = OpioidStatus(clear=True)


@dataclass(frozen=True)
class Adherence:
    """The doses since the current step began: `days` counts every day from the step's
    first day to yesterday, and today once it has an answer in the dose log (so the count
    grows at midnight only past a day left unanswered); `taken` counts those with the dose
    taken. A day with nothing logged counts as a day the dose was not taken."""

    taken: int
    days: int

    def __post_init__(self):
        if not 0 <= self.taken <= self.days:
            raise ValueError("taken is between 0 and days")

    def enough(self, share: Decimal) -> bool:
        """The dose was taken on at least `share` of the days counted (no day counted: yes)."""
        return Decimal(self.taken) >= share * self.days


@dataclass(frozen=True)
class Recommendation:
    action: Action
    dose_mg: Decimal  # the dose the recommendation leads to
    reasons: tuple[str, ...]  # plain, translated sentences
    review_on: date | None  # when to look again


def next_dose(*, rules: Rules, dose_mg: Decimal) -> Decimal:
    """One step up, capped at min(target, ceiling). A dose already at or above the cap is
    returned unchanged: this function never lowers a dose."""
    if dose_mg >= rules.cap_mg:
        return dose_mg
    return min(dose_mg + rules.step_mg, rules.cap_mg)


def plan_steps(*, rules: Rules, start_mg: Decimal, start_on: date) -> list[tuple[Decimal, date]]:
    """The planned doses and their start dates, one every ``interval_days``, from
    ``start_mg`` up to the target (capped at the ceiling). E.g. 1 mg + 1 mg weekly gives
    1, 2, 3, 4, 4.5 mg (LDN Research Trust, Dickson; docs/clinical-rules.md §3.1)."""
    steps = [(start_mg, start_on)]
    dose, day = start_mg, start_on
    while dose < rules.cap_mg:
        dose = next_dose(rules=rules, dose_mg=dose)
        day += timedelta(days=rules.interval_days)
        steps.append((dose, day))
    return steps


def step_back_target(*, rules: Rules, state: State) -> Decimal:
    """Where a step back aims: the last tolerated dose if it is lower than the current one,
    else half the current dose ("halve the dose, then titrate back up", LDN Research Trust,
    Dickson; docs/clinical-rules.md §3.6)."""
    last = state.last_tolerated_mg
    if last is not None and last < state.dose_mg:
        return last
    return state.dose_mg / 2


def step_back_dose(*, rules: Rules, state: State) -> Decimal | None:
    """The dose to fall back to: the highest dose at or below the target that the
    formulation can measure and that is lower than the current one; None when there is
    none (a dose already at the bottom of what the formulation measures)."""
    target = step_back_target(rules=rules, state=state)
    if rules.doses is not None:
        lower = [d for d in rules.doses if d <= target and d < state.dose_mg]
        return lower[-1] if lower else None
    quantum = rules.dose_quantum_mg
    rounded = (target / quantum).to_integral_value(rounding=ROUND_FLOOR) * quantum
    return rounded if quantum <= rounded < state.dose_mg else None


def in_window(
    *, rules: Rules, state: State, side_effects: Iterable[SideEffect], today: date
) -> list[SideEffect]:
    """The side effects that count: reported (above NONE) on a day inside the inclusive
    window [today - tolerance_window_days + 1, today] and on or after the current step began."""
    first_day = max(today - timedelta(days=rules.tolerance_window_days - 1), state.step_started)
    return [e for e in side_effects if e.severity > NONE and first_day <= e.day <= today]


def recommend(
    *,
    rules: Rules,
    state: State,
    side_effects: Sequence[SideEffect],
    today: date,
    opioid: OpioidStatus = CLEAR_STATUS,
    adherence: Adherence | None = None,
) -> Recommendation:
    """Recommend the next titration move. The first rule that applies wins:

    1. A severe side effect in the window -> STEP_BACK to ``step_back_dose``. Source: if bad
       side effects do not settle, halve the dose, then titrate back up (LDN Research Trust
       pharmacist Dickson, docs/clinical-rules.md §3.5); severity and the window are [design].
    2. Insomnia or vivid dreams, mild or worse, on at least ``sleep_switch_days`` distinct
       days in the window while dosing at bedtime -> SWITCH_TO_MORNING at the same dose.
       Source: morning dosing is a common workaround (a lower-quality source, see
       docs/clinical-rules.md §1.4); sleep trouble and vivid dreams are most common (§5.4).
    3. A moderate-or-worse side effect in the window -> HOLD at the current dose until the
       window is clear of it (last such day + ``tolerance_window_days``). Source: wait until
       side effects pass plus 3-5 days (Kresser, not a clinician); the window is [design].
    4. The dose is already at min(target, ceiling) -> MAINTAIN (dose above it: MAINTAIN too,
       never raise; the provider reviews).
    5. Fewer than ``interval_days`` since the step began -> HOLD until it has passed.
       Source: the protocol's interval, e.g. 7-14 days per step (docs/clinical-rules.md §3.1).
    6. The dose was taken on fewer than ``min_taken_share`` of the days since the step began
       (``Adherence``: the days before today, and today once answered; a day with nothing in
       the dose log counts as not taken) -> HOLD ("doses missed or not logged"): a step up
       needs the current dose to have been taken [design] (docs/clinical-rules.md §3.7).
    7. Otherwise ADVANCE to ``next_dose``.

    Before all of these: while the opioid status is not clear -> PAUSE (or keep a paused
    regimen paused); once it is clear, a paused regimen -> RESUME at the old dose after a
    break of up to ``same_dose_max_break_days``, else at the protocol's first dose
    (docs/clinical-rules.md §2.8). A severe side effect with no lower measurable dose ->
    STOP, to be considered by the provider.
    """
    dose = state.dose_mg
    if not opioid.clear:
        return _pause(state=state, opioid=opioid, today=today)
    if state.paused_since is not None:
        if not state.paused_for_opioid:
            return _stay_paused(state=state)
        return _resume(rules=rules, state=state, today=today)
    window = rules.tolerance_window_days
    counted = in_window(rules=rules, state=state, side_effects=side_effects, today=today)

    severe = [e for e in counted if e.severity >= SEVERE]
    if severe:
        new_dose = step_back_dose(rules=rules, state=state)
        if new_dose is None:
            return Recommendation(
                action=Action.STOP,
                dose_mg=dose,
                reasons=(
                    _effect_in_window(_latest(severe), window),
                    _(
                        "There is no dose below %(dose)s mg that this formulation measures to "
                        "step back to: consider stopping, or a formulation with finer steps."
                    )
                    % {"dose": mg(dose)},
                ),
                review_on=None,
            )
        return Recommendation(
            action=Action.STEP_BACK,
            dose_mg=new_dose,
            reasons=(
                _effect_in_window(_latest(severe), window),
                _step_back_reason(rules=rules, state=state, new_dose=new_dose),
            ),
            review_on=today + timedelta(days=rules.interval_days),
        )

    sleep_days = {e.day for e in counted if e.kind in SLEEP_KINDS}
    if state.dose_time == BEDTIME and len(sleep_days) >= rules.sleep_switch_days:
        reason = ngettext(
            "Trouble sleeping or vivid dreams on %(count)d day in the last %(window)d days.",
            "Trouble sleeping or vivid dreams on %(count)d days in the last %(window)d days.",
            len(sleep_days),
        ) % {"count": len(sleep_days), "window": window}
        return Recommendation(
            action=Action.SWITCH_TO_MORNING,
            dose_mg=dose,
            reasons=(
                reason,
                _("Taking the same dose in the morning often helps sleep; keep %(dose)s mg.")
                % {"dose": mg(dose)},
            ),
            review_on=today + timedelta(days=window),
        )

    troubling = [e for e in counted if e.severity >= MODERATE]
    if troubling:
        latest = _latest(troubling)
        clear_on = latest.day + timedelta(days=window)
        return Recommendation(
            action=Action.HOLD,
            dose_mg=dose,
            reasons=(
                _effect_in_window(latest, window),
                _("Stay on %(dose)s mg until %(day)s, when the window is clear of it.")
                % {"dose": mg(dose), "day": _day(clear_on)},
            ),
            review_on=clear_on,
        )

    if dose >= rules.cap_mg:
        if dose > rules.cap_mg:
            reason = _(
                "%(dose)s mg is above this protocol's highest dose of %(cap)s mg; "
                "it will not be raised. Please review."
            )
        else:
            reason = _("%(dose)s mg is this protocol's highest dose of %(cap)s mg.")
        return Recommendation(
            action=Action.MAINTAIN,
            dose_mg=dose,
            reasons=(reason % {"dose": mg(dose), "cap": mg(rules.cap_mg)},),
            review_on=None,
        )

    due_on = state.step_started + timedelta(days=rules.interval_days)
    if today < due_on:
        return Recommendation(
            action=Action.HOLD,
            dose_mg=dose,
            reasons=(
                _(
                    "The next step is not due yet: each dose is kept for %(interval)d days, "
                    "so %(dose)s mg runs until %(day)s."
                )
                % {"interval": rules.interval_days, "dose": mg(dose), "day": _day(due_on)},
            ),
            review_on=due_on,
        )

    if adherence is not None and not adherence.enough(rules.min_taken_share):
        return Recommendation(
            action=Action.HOLD,
            dose_mg=dose,
            reasons=_missed_reasons(rules=rules, state=state, adherence=adherence),
            review_on=today + timedelta(days=window),
        )

    new_dose = next_dose(rules=rules, dose_mg=dose)
    return Recommendation(
        action=Action.ADVANCE,
        dose_mg=new_dose,
        reasons=(
            _(
                "%(dose)s mg has been taken for %(interval)d days with no moderate or severe "
                "side effects in the last %(window)d days."
            )
            % {"dose": mg(dose), "interval": rules.interval_days, "window": window},
            _("Step up to %(new)s mg.") % {"new": mg(new_dose)},
        ),
        review_on=today + timedelta(days=rules.interval_days),
    )


def next_change(
    *,
    rules: Rules,
    state: State,
    side_effects: Sequence[SideEffect],
    today: date,
    opioid: OpioidStatus = CLEAR_STATUS,
    adherence: Adherence | None = None,
) -> date | None:
    """The first day after `today` on which `recommend` may answer differently with no new
    input: the opioid's washout ends, a side effect leaves the tolerance window, the step
    falls due, a pause grows past the same-dose break, or the days without the dose taken
    grow past the share a step up needs. Whoever keeps a recommendation (the patient's
    status row) works it out again on that day."""
    days = [
        opioid.until,
        state.step_started + timedelta(days=rules.interval_days),
        *(e.day + timedelta(days=rules.tolerance_window_days) for e in side_effects),
    ]
    if adherence is not None and rules.min_taken_share > 0:
        # With no new answer, day D counts the (D - step_started) days before it: the share
        # first falls short on the day that count exceeds taken / share.
        short = int(Decimal(adherence.taken) / rules.min_taken_share) + 1
        days.append(state.step_started + timedelta(days=short))
    if state.paused_since is not None:
        days.append(state.paused_since + timedelta(days=rules.same_dose_max_break_days + 1))
    later = [d for d in days if d is not None and d > today]
    return min(later) if later else None


def _missed_reasons(*, rules: Rules, state: State, adherence: Adherence) -> tuple[str, ...]:
    """Why a due step up waits for the doses, in words that stay true from one day to the
    next (the days taken, not the days since the step began)."""
    share = (rules.min_taken_share * 100).normalize()
    values = {
        "day": _day(state.step_started),
        "taken": adherence.taken,
        "share": f"{share:f}",
        "dose": mg(state.dose_mg),
    }
    reasons = [
        ngettext(
            "Doses missed or not logged: since %(day)s the dose log shows the dose taken on "
            "%(taken)d day; a step up needs it taken on %(share)s%% of the days.",
            "Doses missed or not logged: since %(day)s the dose log shows the dose taken on "
            "%(taken)d days; a step up needs it taken on %(share)s%% of the days.",
            adherence.taken,
        )
        % values
    ]
    # Always said, so the words stay true as unanswered days pass.
    reasons.append(_("A day with nothing in the dose log counts as a dose not taken."))
    reasons.append(
        _("Stay on %(dose)s mg until the dose is taken, and logged, regularly.") % values
    )
    return tuple(reasons)


def _latest(effects: Sequence[SideEffect]) -> SideEffect:
    return max(effects, key=lambda e: (e.day, e.severity))


def _effect_in_window(effect: SideEffect, window: int) -> str:
    severity = {MILD: _("Mild"), MODERATE: _("Moderate"), SEVERE: _("Severe")}[effect.severity]
    return _("%(severity)s %(kind)s on %(day)s, inside the %(window)d-day tolerance window.") % {
        "severity": severity,
        "kind": _kind(effect.kind),
        "day": _day(effect.day),
        "window": window,
    }


def _kind(kind: str) -> str:
    if kind in SIDE_EFFECT_KEYS:
        return side_effect_phrase(kind)
    return kind.replace("_", " ")


def _step_back_reason(*, rules: Rules, state: State, new_dose: Decimal) -> str:
    last = state.last_tolerated_mg
    if last is not None and last < state.dose_mg and new_dose == last:
        text = _(
            "Step back to %(dose)s mg, the last dose taken without moderate or severe effects."
        )
    elif new_dose * 2 == state.dose_mg:
        text = _("Step back to %(dose)s mg, half the dose.")
    else:
        text = _(
            "Step back to %(dose)s mg, the nearest dose below half (or below the last tolerated "
            "dose) that this formulation measures."
        )
    return text % {"dose": mg(new_dose)}


def _pause(*, state: State, opioid: OpioidStatus, today: date) -> Recommendation:
    if opioid.until is not None:
        until = _("LDN waits until %(day)s.") % {"day": _day(opioid.until)}
    else:
        until = _("LDN waits until the opioid is stopped and its washout is over.")
    keep = (
        _("Keep the regimen paused.")
        if state.paused_since is not None
        else _("Pause LDN: do not take it now.")
    )
    return Recommendation(
        action=Action.PAUSE,
        dose_mg=state.dose_mg,
        reasons=tuple(r for r in (opioid.reason, keep, until) if r),
        review_on=opioid.until,
    )


def resume_dose(*, rules: Rules, dose_mg: Decimal, break_days: int) -> Decimal:
    """The dose to resume at: the old dose after a break of up to
    ``same_dose_max_break_days``, else the protocol's first dose (never above the old dose):
    LDN Research Trust, after surgery (docs/clinical-rules.md §2.8)."""
    if break_days <= rules.same_dose_max_break_days or rules.start_mg is None:
        return dose_mg
    return min(rules.start_mg, dose_mg)


def _stay_paused(*, state: State) -> Recommendation:
    return Recommendation(
        action=Action.PAUSE,
        dose_mg=state.dose_mg,
        reasons=(
            _(
                "Paused by the care team since %(day)s, not for an opioid: it stays paused "
                "until they decide to resume it."
            )
            % {"day": _day(state.paused_since)},
        ),
        review_on=None,
    )


def _resume(*, rules: Rules, state: State, today: date) -> Recommendation:
    break_days = (today - state.paused_since).days
    dose = resume_dose(rules=rules, dose_mg=state.dose_mg, break_days=break_days)
    # Dates, not a count of days, so the words stay true from one day to the next.
    values = {
        "since": _day(state.paused_since),
        "last": _day(state.paused_since + timedelta(days=rules.same_dose_max_break_days)),
        "max": rules.same_dose_max_break_days,
        "dose": mg(dose),
    }
    if dose == state.dose_mg:
        how = _(
            "Paused since %(since)s: resume the old dose of %(dose)s mg (the old dose after a "
            "break of up to %(max)d days, until %(last)s)."
        )
    else:
        how = _(
            "Paused since %(since)s, more than %(max)d days: titrate again from the "
            "protocol's first dose of %(dose)s mg."
        )
    return Recommendation(
        action=Action.RESUME,
        dose_mg=dose,
        reasons=(_("Nothing stands in the way of LDN now."), how % values),
        review_on=None,
    )
