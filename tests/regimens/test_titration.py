from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from regimens.safety import Formulation, dose_quantum, measurable_doses
from regimens.titration import (
    CLEAR_STATUS,
    MILD,
    MODERATE,
    NONE,
    SEVERE,
    Action,
    Adherence,
    OpioidStatus,
    Rules,
    SideEffect,
    State,
    next_change,
    next_dose,
    plan_steps,
    recommend,
    step_back_dose,
)

D = Decimal
TODAY = date(2025, 11, 10)
WEEKLY_1MG = Rules(
    step_mg=D("1"),
    interval_days=7,
    target_mg=D("4.5"),
    ceiling_mg=D("4.5"),
    tolerance_window_days=7,
)


def state(dose="3", started=TODAY - timedelta(days=20), time="bedtime", last=None):
    last = D(last) if last is not None else None
    return State(dose_mg=D(dose), step_started=started, dose_time=time, last_tolerated_mg=last)


def effect(days_ago, kind="headache", severity=MODERATE):
    return SideEffect(day=TODAY - timedelta(days=days_ago), kind=kind, severity=severity)


def run(current=None, effects=(), rules=WEEKLY_1MG, today=TODAY):
    return recommend(rules=rules, state=current or state(), side_effects=list(effects), today=today)


# Rule 1: a severe side effect in the window steps back.


def test_it_steps_back_to_the_last_tolerated_dose_after_a_severe_side_effect():
    rec = run(state(dose="3", last="2"), [effect(1, severity=SEVERE)])

    assert rec.action is Action.STEP_BACK
    assert rec.dose_mg == D("2")
    assert rec.reasons[0] == "Severe headache on 9 Nov, inside the 7-day tolerance window."
    assert "last dose taken without" in rec.reasons[1]
    assert rec.review_on == TODAY + timedelta(days=7)


@pytest.mark.parametrize(
    "dose, halved",
    [
        ("4.5", "2.25"),
        ("3", "1.5"),
        ("1.5", "0.75"),
        ("1", "0.5"),
        ("0.75", "0.25"),
        ("0.5", "0.25"),
    ],
)
def test_it_halves_the_dose_rounded_down_to_a_quantum_without_a_tolerated_dose(dose, halved):
    rec = run(state(dose=dose), [effect(0, severity=SEVERE)])

    assert rec.action is Action.STEP_BACK
    assert rec.dose_mg == D(halved)


def test_it_halves_when_the_last_tolerated_dose_is_not_lower():
    assert step_back_dose(rules=WEEKLY_1MG, state=state(dose="3", last="3")) == D("1.5")


def test_it_ignores_a_severe_side_effect_from_before_the_current_step():
    started = TODAY - timedelta(days=2)
    rec = run(state(dose="3", started=started), [effect(3, severity=SEVERE)])

    assert rec.action is Action.HOLD
    assert rec.dose_mg == D("3")


def test_it_ignores_a_severe_side_effect_older_than_the_window():
    rec = run(state(dose="3"), [effect(7, severity=SEVERE)])

    assert rec.action is Action.ADVANCE


def test_it_steps_back_before_suggesting_morning_dosing():
    effects = [effect(d, "insomnia", MILD) for d in range(4)] + [effect(0, "nausea", SEVERE)]

    assert run(state(), effects).action is Action.STEP_BACK


# Rule 2: sleep trouble on several days at bedtime suggests morning dosing.


def test_it_suggests_morning_dosing_after_sleep_trouble_on_three_days():
    effects = [
        effect(0, "insomnia", MILD),
        effect(2, "vivid_dreams", MILD),
        effect(5, "vivid_dreams", MODERATE),
    ]
    rec = run(state(dose="3"), effects)

    assert rec.action is Action.SWITCH_TO_MORNING
    assert rec.dose_mg == D("3")
    assert rec.reasons[0] == "Trouble sleeping or vivid dreams on 3 days in the last 7 days."


def test_it_counts_sleep_trouble_days_not_reports():
    effects = [
        effect(0, "insomnia", MILD),
        effect(0, "vivid_dreams", MILD),
        effect(1, "insomnia", MILD),
    ]

    assert run(state(), effects).action is Action.ADVANCE


def test_it_does_not_suggest_morning_dosing_to_a_morning_doser():
    effects = [effect(d, "vivid_dreams", MODERATE) for d in range(3)]
    rec = run(state(time="morning"), effects)

    assert rec.action is Action.HOLD


def test_it_ignores_sleep_reports_scored_none_and_other_kinds():
    effects = [effect(d, "insomnia", NONE) for d in range(4)]
    effects += [effect(d, "headache", MILD) for d in range(4)]

    assert run(state(), effects).action is Action.ADVANCE


# Rule 3: a moderate side effect in the window holds until the window is clear.


def test_it_holds_while_a_moderate_side_effect_is_in_the_window():
    rec = run(state(dose="3"), [effect(7 - 1, severity=MODERATE), effect(1, severity=MILD)])

    assert rec.action is Action.HOLD
    assert rec.dose_mg == D("3")
    assert rec.reasons[0] == "Moderate headache on 4 Nov, inside the 7-day tolerance window."
    assert rec.review_on == date(2025, 11, 11)


def test_it_reviews_a_hold_when_the_latest_moderate_effect_leaves_the_window():
    rec = run(state(), [effect(5, "nausea"), effect(2, "palpitations"), effect(4)])

    assert rec.review_on == TODAY - timedelta(days=2) + timedelta(days=7)
    assert "Moderate palpitations on 8 Nov" in rec.reasons[0]


def test_it_holds_at_the_target_while_a_moderate_effect_is_in_the_window():
    assert run(state(dose="4.5"), [effect(0)]).action is Action.HOLD


# Rule 4: at the target (or ceiling) the dose is maintained.


def test_it_maintains_the_target_dose():
    rec = run(state(dose="4.5"))

    assert rec.action is Action.MAINTAIN
    assert rec.dose_mg == D("4.5")
    assert rec.review_on is None


def test_it_maintains_at_the_ceiling_when_the_target_is_above_it():
    rules = Rules(
        step_mg=D("1"),
        interval_days=7,
        target_mg=D("6"),
        ceiling_mg=D("4"),
        tolerance_window_days=7,
    )

    assert run(state(dose="4"), rules=rules).action is Action.MAINTAIN


def test_it_maintains_and_asks_for_review_above_the_ceiling():
    rec = run(state(dose="9"))

    assert rec.action is Action.MAINTAIN
    assert rec.dose_mg == D("9")
    assert "above this protocol's highest dose of 4.5 mg" in rec.reasons[0]


# Rule 5: a step is not due before the interval has passed.


def test_it_holds_until_the_interval_has_passed():
    started = TODAY - timedelta(days=6)
    rec = run(state(dose="2", started=started))

    assert rec.action is Action.HOLD
    assert rec.dose_mg == D("2")
    assert rec.review_on == TODAY + timedelta(days=1)
    assert "not due yet" in rec.reasons[0]


# Rule 6: otherwise advance.


def test_it_advances_on_the_day_the_interval_has_passed():
    started = TODAY - timedelta(days=7)
    rec = run(state(dose="2", started=started), [effect(1, severity=MILD)])

    assert rec.action is Action.ADVANCE
    assert rec.dose_mg == D("3")
    assert rec.reasons[-1] == "Step up to 3 mg."
    assert rec.review_on == TODAY + timedelta(days=7)


def test_it_advances_only_as_far_as_the_target():
    assert run(state(dose="4")).dose_mg == D("4.5")


def test_it_steps_up_one_step_capped_at_target_and_ceiling():
    rules = Rules(
        step_mg=D("1.5"),
        interval_days=14,
        target_mg=D("4.5"),
        ceiling_mg=D("4"),
        tolerance_window_days=7,
    )

    assert next_dose(rules=rules, dose_mg=D("1.5")) == D("3")
    assert next_dose(rules=rules, dose_mg=D("3")) == D("4")
    assert next_dose(rules=rules, dose_mg=D("5")) == D("5")


# Seeded protocols (docs/clinical-rules.md §3.1).


def doses_and_days(step, interval, start):
    rules = Rules(
        step_mg=D(step),
        interval_days=interval,
        target_mg=D("4.5"),
        ceiling_mg=D("6"),
        tolerance_window_days=7,
    )
    plan = plan_steps(rules=rules, start_mg=D(start), start_on=TODAY)
    return [str(dose) for dose, _ in plan], [(day - TODAY).days for _, day in plan]


def test_it_plans_the_common_clinic_schedule():
    assert doses_and_days("1.5", 14, "1.5") == (["1.5", "3.0", "4.5"], [0, 14, 28])


def test_it_plans_one_mg_weekly_to_four_and_a_half():
    doses, days = doses_and_days("1", 7, "1")

    assert doses == ["1", "2", "3", "4", "4.5"]
    assert days == [0, 7, 14, 21, 28]


def test_it_plans_half_mg_every_two_weeks():
    doses, days = doses_and_days("0.5", 14, "0.5")

    assert [D(d) for d in doses] == [D(n) / 2 for n in range(1, 10)]
    assert days == list(range(0, 9 * 14, 14))


def test_it_plans_half_mg_weekly():
    doses, days = doses_and_days("0.5", 7, "0.5")

    assert D(doses[-1]) == D("4.5") and len(doses) == 9
    assert days[-1] == 56


def test_it_plans_a_single_step_when_starting_at_the_target():
    assert doses_and_days("1", 7, "4.5") == (["4.5"], [0])


def test_it_refuses_rules_without_a_positive_step_or_window():
    with pytest.raises(ValueError):
        Rules(
            step_mg=D("0"),
            interval_days=7,
            target_mg=D("4.5"),
            ceiling_mg=D("4.5"),
            tolerance_window_days=7,
        )
    with pytest.raises(ValueError):
        Rules(
            step_mg=D("1"),
            interval_days=7,
            target_mg=D("4.5"),
            ceiling_mg=D("4.5"),
            tolerance_window_days=0,
        )


# Properties: the "never" rules hold for any input.

doses = st.decimals(min_value=D("0.01"), max_value=D("20"), places=2)
KINDS = ["vivid_dreams", "insomnia", "headache", "nausea", "other", "palpitations"]


# Every kind of formulation: capsules of one or two strengths (the ladders whole capsules
# make), a liquid in 0.1 mL steps and drops.
FORMULATIONS = st.sampled_from(
    [
        Formulation(kind="capsule", capsule_strengths_mg=(D("1.5"),)),
        Formulation(kind="capsule", capsule_strengths_mg=(D("1"), D("4.5"))),
        Formulation(kind="capsule", capsule_strengths_mg=(D("0.75"), D("2"))),
        Formulation(kind="capsule", capsule_strengths_mg=(D("0.5"), D("1.5"), D("3"))),
        Formulation(kind="liquid", concentration_mg_per_ml=D("1")),
        Formulation(kind="liquid", concentration_mg_per_ml=D("0.5")),
        Formulation(kind="drops", mg_per_drop=D("0.5")),
        None,  # no formulation given: any multiple of the quantum
    ]
)


@st.composite
def rules_strategy(draw):
    formulation = draw(FORMULATIONS)
    extra = {}
    if formulation is not None:
        extra = {
            "dose_quantum_mg": dose_quantum(formulation),
            "doses": measurable_doses(formulation, upto=D("20")),
        }
    else:
        extra["dose_quantum_mg"] = draw(
            st.sampled_from([D("0.25"), D("0.5"), D("0.1"), D("0.125"), D("1")])
        )
    return Rules(
        step_mg=draw(st.decimals(min_value=D("0.05"), max_value=D("5"), places=2)),
        interval_days=draw(st.integers(1, 30)),
        target_mg=draw(doses),
        ceiling_mg=draw(doses),
        tolerance_window_days=draw(st.integers(1, 21)),
        sleep_switch_days=draw(st.integers(1, 7)),
        start_mg=draw(st.none() | doses),
        same_dose_max_break_days=draw(st.integers(0, 30)),
        min_taken_share=draw(st.sampled_from([D("0"), D("0.5"), D("0.8"), D("1")])),
        **extra,
    )


def ladder(rules, below):
    """The doses below `below` the rules let the engine step back to."""
    if rules.doses is not None:
        return [d for d in rules.doses if d < below]
    quantum = rules.dose_quantum_mg
    return [quantum * n for n in range(1, int(below / quantum) + 1) if quantum * n < below]


@st.composite
def scenarios(draw, *, full=False):
    """A random engine input. The classic rules' properties draw a regimen that is active with
    nothing in the way of LDN; `full` draws every input (an opioid, a pause, the dose log)."""
    today = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
    offset = st.integers(-40, 5).map(lambda n: today + timedelta(days=n))
    current = State(
        dose_mg=draw(doses),
        step_started=draw(st.integers(-60, 10).map(lambda n: today + timedelta(days=n))),
        dose_time=draw(st.sampled_from(["bedtime", "morning"])),
        last_tolerated_mg=draw(st.none() | doses),
        paused_since=draw(st.none() | st.integers(-60, 0).map(lambda n: today + timedelta(days=n)))
        if full
        else None,
        paused_for_opioid=draw(st.booleans()) if full else False,
    )
    effects = draw(
        st.lists(
            st.builds(
                SideEffect,
                day=offset,
                kind=st.sampled_from(KINDS) | st.text(min_size=1, max_size=12),
                severity=st.integers(NONE, SEVERE),
            ),
            max_size=15,
        )
    )
    rules = draw(rules_strategy())
    opioid = CLEAR_STATUS
    adherence = None
    if not full:
        rec = recommend(rules=rules, state=current, side_effects=effects, today=today)
        return rules, current, effects, today, rec
    opioid = draw(
        st.sampled_from([CLEAR_STATUS])
        | st.builds(
            OpioidStatus,
            clear=st.just(False),
            until=st.none() | offset,
            reason=st.sampled_from(["Tramadol is an opioid.", ""]),
        )
    )
    days = draw(st.integers(0, 30))
    adherence = draw(
        st.none() | st.builds(Adherence, taken=st.integers(0, days), days=st.just(days))
    )
    rec = recommend(
        rules=rules,
        state=current,
        side_effects=effects,
        today=today,
        opioid=opioid,
        adherence=adherence,
    )
    SCENARIO_EXTRAS[id(rec)] = (opioid, adherence)
    return rules, current, effects, today, rec


SCENARIO_EXTRAS: dict[int, tuple] = {}


@given(scenarios(full=True))
def test_it_only_ever_pauses_while_the_opioid_status_is_not_clear(scenario):
    """...or keeps a pause the care team made for another reason (side effects, the
    patient's wish) until they end it."""
    _rules, current, *_, rec = scenario
    opioid, _adherence = SCENARIO_EXTRAS.pop(id(rec))

    if not opioid.clear:
        assert rec.action is Action.PAUSE
    elif current.paused_since is not None and not current.paused_for_opioid:
        assert rec.action is Action.PAUSE
        assert "until they decide to resume it" in rec.reasons[0]
    else:
        assert rec.action is not Action.PAUSE


@given(scenarios(full=True))
def test_it_resumes_a_paused_regimen_once_clear_at_the_old_or_the_first_dose(scenario):
    rules, current, _effects, today, rec = scenario
    opioid, _adherence = SCENARIO_EXTRAS.pop(id(rec))

    if opioid.clear and current.paused_since is not None and current.paused_for_opioid:
        assert rec.action is Action.RESUME
        if (today - current.paused_since).days <= rules.same_dose_max_break_days:
            assert rec.dose_mg == current.dose_mg
        elif rules.start_mg is not None:
            assert rec.dose_mg == min(rules.start_mg, current.dose_mg)
    else:
        assert rec.action is not Action.RESUME


@given(scenarios(full=True))
def test_it_never_steps_up_when_doses_were_missed(scenario):
    rules, _current, _effects, _today, rec = scenario
    _opioid, adherence = SCENARIO_EXTRAS.pop(id(rec))

    if rec.action is Action.ADVANCE and adherence is not None:
        assert adherence.taken >= rules.min_taken_share * adherence.days


@given(scenarios(full=True))
def test_doses_missed_hold_is_the_only_change_the_dose_log_makes(scenario):
    """With every dose taken the engine answers as it would without a dose log; short of
    the share it answers the same unless that would have been a step up, which is held."""
    rules, current, effects, today, rec = scenario
    opioid, adherence = SCENARIO_EXTRAS.pop(id(rec))
    without = recommend(
        rules=rules, state=current, side_effects=effects, today=today, opioid=opioid
    )

    if adherence is None or adherence.taken >= rules.min_taken_share * adherence.days:
        assert rec == without
    elif without.action is Action.ADVANCE:
        assert (rec.action, rec.dose_mg) == (Action.HOLD, current.dose_mg)
        assert rec.reasons[0].startswith("Doses missed or not logged: since ")
    else:
        assert rec == without


@given(scenarios(), st.integers(0, 40), st.booleans())
def test_it_answers_the_same_every_day_until_the_next_change(scenario, taken, answered_today):
    """What the status row keeps stays true until next_change, with the days counted for the
    dose log growing at each midnight and no new answer (side effects reported up to today,
    a step begun by today)."""
    rules, current, effects, today, _rec = scenario
    assume(current.step_started <= today)
    effects = [e for e in effects if e.day <= today]

    def counted(day):
        return (day - current.step_started).days + (1 if day == today and answered_today else 0)

    taken = min(taken, counted(today))

    def on(day):
        adherence = Adherence(taken=taken, days=counted(day))
        rec = recommend(
            rules=rules, state=current, side_effects=effects, today=day, adherence=adherence
        )
        return rec.action, rec.dose_mg, rec.reasons

    change = next_change(
        rules=rules,
        state=current,
        side_effects=effects,
        today=today,
        adherence=Adherence(taken=taken, days=counted(today)),
    )
    first = on(today)
    day = today + timedelta(days=1)
    while day < (change or today + timedelta(days=60)):
        assert on(day) == first
        day += timedelta(days=1)


def test_it_holds_a_due_step_up_when_doses_were_missed():
    rec = recommend(
        rules=WEEKLY_1MG,
        state=state(dose="2", started=TODAY - timedelta(days=10)),
        side_effects=[],
        today=TODAY,
        adherence=Adherence(taken=6, days=10),
    )

    assert rec.action is Action.HOLD
    assert rec.reasons == (
        "Doses missed or not logged: since 31 Oct the dose log shows the dose taken on 6 "
        "days; a step up needs it taken on 80% of the days.",
        "A day with nothing in the dose log counts as a dose not taken.",
        "Stay on 2 mg until the dose is taken, and logged, regularly.",
    )


def test_a_step_up_waits_when_nothing_was_logged():
    """No answer in the dose log is not a dose taken: nothing logged, no step up."""
    rec = recommend(
        rules=WEEKLY_1MG,
        state=state(dose="2", started=TODAY - timedelta(days=7)),
        side_effects=[],
        today=TODAY,
        adherence=Adherence(taken=0, days=7),
    )

    assert (rec.action, rec.dose_mg) == (Action.HOLD, D("2"))
    assert rec.reasons[0] == (
        "Doses missed or not logged: since 3 Nov the dose log shows the dose taken on 0 days; "
        "a step up needs it taken on 80% of the days."
    )


def test_it_steps_back_to_a_dose_whole_capsules_make_not_to_half():
    """1 mg and 4.5 mg capsules at 3 mg: half is 1.5 mg, which they cannot make; 1 mg they can."""
    formulation = Formulation(kind="capsule", capsule_strengths_mg=(D("1"), D("4.5")))
    rules = Rules(
        step_mg=D("1"),
        interval_days=7,
        target_mg=D("4.5"),
        ceiling_mg=D("4.5"),
        tolerance_window_days=7,
        dose_quantum_mg=dose_quantum(formulation),
        doses=measurable_doses(formulation, upto=D("6")),
    )

    rec = recommend(
        rules=rules, state=state(dose="3"), side_effects=[effect(0, severity=SEVERE)], today=TODAY
    )

    assert (rec.action, rec.dose_mg) == (Action.STEP_BACK, D("1"))


@pytest.mark.parametrize(
    "strengths, dose, last, expected",
    [
        # 1 mg is not made of 0.75 mg and 2 mg capsules: 0.75 mg is the highest under half.
        (("0.75", "2"), "2", None, "0.75"),
        (("0.75", "2"), "3", None, "1.5"),  # 2 x 0.75
        (("0.75", "2"), "2.75", "2.5", "2.25"),  # 2.5 is not made: 3 x 0.75
        (("1", "4.5"), "3", None, "1"),
        (("1", "4.5"), "4.5", None, "2"),
        (("1.5",), "1.5", None, None),  # nothing below: a stop is recommended instead
    ],
)
def test_a_step_back_lands_on_the_highest_dose_whole_capsules_make(strengths, dose, last, expected):
    formulation = Formulation(kind="capsule", capsule_strengths_mg=tuple(D(x) for x in strengths))
    rules = rules_with(
        dose_quantum_mg=dose_quantum(formulation), doses=measurable_doses(formulation, upto=D("6"))
    )

    lower = step_back_dose(rules=rules, state=state(dose=dose, last=last))

    assert lower == (D(expected) if expected is not None else None)
    severe = run(state(dose=dose, last=last), [effect(0, severity=SEVERE)], rules=rules)
    if expected is None:
        assert severe.action is Action.STOP
    else:
        assert (severe.action, severe.dose_mg) == (Action.STEP_BACK, D(expected))


def test_it_pauses_and_says_until_when():
    rec = recommend(
        rules=WEEKLY_1MG,
        state=state(),
        side_effects=[],
        today=TODAY,
        opioid=OpioidStatus(clear=False, until=TODAY + timedelta(days=4), reason="Tramadol."),
    )

    assert rec.action is Action.PAUSE
    assert rec.reasons == ("Tramadol.", "Pause LDN: do not take it now.", "LDN waits until 14 Nov.")
    assert rec.review_on == TODAY + timedelta(days=4)
    assert rec.dose_mg == D("3")


def counted(rules, current, effects, today, severity):
    first = today - timedelta(days=rules.tolerance_window_days - 1)
    return [
        e
        for e in effects
        if first <= e.day <= today and e.day >= current.step_started and e.severity >= severity
    ]


@given(scenarios())
def test_it_never_raises_the_dose_above_target_or_ceiling(scenario):
    rules, current, _, _, rec = scenario
    cap = min(rules.target_mg, rules.ceiling_mg)

    if current.dose_mg <= cap:
        assert rec.dose_mg <= cap
    else:
        assert rec.dose_mg <= current.dose_mg
        assert rec.action is not Action.ADVANCE


@given(scenarios())
def test_it_never_advances_before_the_interval_has_passed(scenario):
    rules, current, _, today, rec = scenario

    if (today - current.step_started).days < rules.interval_days:
        assert rec.action is not Action.ADVANCE


@given(scenarios())
def test_it_never_advances_with_a_moderate_or_worse_effect_in_the_window(scenario):
    rules, current, effects, today, rec = scenario

    if counted(rules, current, effects, today, MODERATE):
        assert rec.action is not Action.ADVANCE
        assert rec.dose_mg <= current.dose_mg


@given(scenarios())
def test_it_always_steps_back_after_a_severe_effect_in_the_window(scenario):
    rules, current, effects, today, rec = scenario

    if counted(rules, current, effects, today, SEVERE):
        assert rec.action in (Action.STEP_BACK, Action.STOP)
        if rec.action is Action.STEP_BACK:
            assert 0 < rec.dose_mg < current.dose_mg
            assert rules.measurable(rec.dose_mg)
    else:
        assert rec.action not in (Action.STEP_BACK, Action.STOP)


@given(scenarios())
def test_it_always_recommends_a_positive_dose_with_reasons(scenario):
    *_, today, rec = scenario

    assert rec.dose_mg > 0
    assert rec.reasons and all(rec.reasons)
    assert rec.review_on is None or rec.review_on > today


@given(rules_strategy(), doses, st.none() | doses)
def test_it_steps_back_to_the_highest_dose_at_or_below_the_target_the_formulation_measures(
    rules, dose, last
):
    """The target is the last tolerated dose below the current one, else half of it; the
    step back lands on the highest measurable dose at or below it (not just any lower one),
    or on none when the formulation measures nothing there."""
    current = State(dose_mg=dose, step_started=TODAY, dose_time="bedtime", last_tolerated_mg=last)
    target = last if last is not None and last < dose else dose / 2
    reachable = [d for d in ladder(rules, dose) if d <= target]

    lower = step_back_dose(rules=rules, state=current)

    if not reachable:
        assert lower is None
    else:
        assert lower == max(reachable)
        assert 0 < lower <= target < dose and rules.measurable(lower)


@given(rules_strategy(), st.decimals(min_value=D("0.01"), max_value=D("5"), places=2))
def test_it_plans_even_steps_from_start_to_the_capped_target(rules, start):
    cap = min(rules.target_mg, rules.ceiling_mg)
    plan = plan_steps(rules=rules, start_mg=start, start_on=TODAY)

    assert plan[0] == (start, TODAY)
    assert plan[-1][0] == max(start, cap)
    for (dose, day), (later, later_day) in pairwise(plan):
        assert dose < later <= min(dose + rules.step_mg, cap)
        assert (later_day - day).days == rules.interval_days


def test_it_suggests_considering_a_stop_when_no_lower_dose_can_be_measured():
    rec = run(state(dose="0.25"), [effect(0, "other", SEVERE)])

    assert rec.action is Action.STOP
    assert rec.dose_mg == D("0.25")
    assert rec.reasons[0] == "Severe side effect on 10 Nov, inside the 7-day tolerance window."
    assert rec.reasons[1] == (
        "There is no dose below 0.25 mg that this formulation measures to step back to: "
        "consider stopping, or a formulation with finer steps."
    )


@given(scenarios())
def test_it_only_switches_bedtime_dosing_to_morning_at_the_same_dose(scenario):
    _, current, _, _, rec = scenario

    if rec.action is Action.SWITCH_TO_MORNING:
        assert current.dose_time == "bedtime"
        assert rec.dose_mg == current.dose_mg


# Boundaries and full wording of every rule (each test pins one behaviour a provider reads).


def rules_with(**overrides):
    values = {
        "step_mg": D("1"),
        "interval_days": 7,
        "target_mg": D("4.5"),
        "ceiling_mg": D("4.5"),
        "tolerance_window_days": 7,
    }
    values.update(overrides)
    return Rules(**values)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"step_mg": D("-1")}, "step_mg must be positive"),
        ({"target_mg": D("0")}, "target_mg must be positive"),
        ({"ceiling_mg": D("0")}, "ceiling_mg must be positive"),
        ({"dose_quantum_mg": D("0")}, "dose_quantum_mg must be positive"),
        ({"interval_days": 0}, "interval_days must be at least 1"),
        ({"tolerance_window_days": 0}, "tolerance_window_days must be at least 1"),
        ({"sleep_switch_days": 0}, "sleep_switch_days must be at least 1"),
        ({"doses": ()}, "doses must be positive and ascending"),
        ({"doses": (D("0"), D("1"))}, "doses must be positive and ascending"),
        ({"doses": (D("2"), D("1"))}, "doses must be positive and ascending"),
        ({"min_taken_share": D("-0.1")}, "min_taken_share is a share from 0 to 1"),
        ({"min_taken_share": D("1.1")}, "min_taken_share is a share from 0 to 1"),
    ],
)
def test_it_refuses_rules_a_protocol_cannot_have(overrides, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        rules_with(**overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        {"interval_days": 1, "tolerance_window_days": 1, "sleep_switch_days": 1},
        {"doses": (D("1"),)},
        {"min_taken_share": D("0")},
        {"min_taken_share": D("1")},
    ],
)
def test_it_accepts_rules_at_the_edges(overrides):
    assert rules_with(**overrides)


def test_it_knows_which_doses_a_formulation_measures():
    assert rules_with(doses=(D("1"), D("2"))).measurable(D("2"))
    assert not rules_with(doses=(D("1"), D("2"))).measurable(D("1.5"))
    assert rules_with().measurable(D("0.75"))
    assert not rules_with().measurable(D("0.3"))
    assert not rules_with().measurable(D("0"))


def test_it_refuses_impossible_side_effects_states_and_dose_logs():
    with pytest.raises(ValueError, match="^severity must be NONE, MILD, MODERATE or SEVERE$"):
        SideEffect(day=TODAY, kind="headache", severity=SEVERE + 1)
    with pytest.raises(ValueError, match="^severity must be NONE, MILD, MODERATE or SEVERE$"):
        SideEffect(day=TODAY, kind="headache", severity=NONE - 1)
    with pytest.raises(ValueError, match="^dose_mg must be positive$"):
        State(dose_mg=D("0"), step_started=TODAY, dose_time="bedtime", last_tolerated_mg=None)
    with pytest.raises(ValueError, match="^dose_time must be 'bedtime' or 'morning'$"):
        State(dose_mg=D("1"), step_started=TODAY, dose_time="noon", last_tolerated_mg=None)
    with pytest.raises(ValueError, match="^last_tolerated_mg must be positive or None$"):
        State(dose_mg=D("1"), step_started=TODAY, dose_time="bedtime", last_tolerated_mg=D(0))
    with pytest.raises(ValueError, match="^taken is between 0 and days$"):
        Adherence(taken=-1, days=3)
    with pytest.raises(ValueError, match="^taken is between 0 and days$"):
        Adherence(taken=4, days=3)
    assert Adherence(taken=0, days=0) and Adherence(taken=3, days=3)
    assert State(dose_mg=D("1"), step_started=TODAY, dose_time="morning", last_tolerated_mg=None)


def test_it_counts_side_effects_from_the_first_day_of_the_window_and_of_the_step():
    """Window 7 on 10 Nov: 4 Nov to 10 Nov; a step begun on 6 Nov narrows it to 6 Nov."""
    effects = [effect(6, severity=SEVERE), effect(7, severity=SEVERE)]
    assert run(state(), effects).action is Action.STEP_BACK
    assert run(state(), [effect(7, severity=SEVERE)]).action is Action.ADVANCE

    started = TODAY - timedelta(days=4)
    current = state(dose="2", started=started)
    assert run(current, [effect(4, severity=SEVERE)]).action is Action.STEP_BACK
    assert run(current, [effect(5, severity=SEVERE)]).action is Action.HOLD
    assert run(state(), [effect(-1, severity=SEVERE)]).action is Action.ADVANCE


def test_it_says_half_the_dose_when_it_halves():
    rec = run(state(dose="3"), [effect(0, "nausea", SEVERE)])

    assert rec.reasons == (
        "Severe nausea or stomach upset on 10 Nov, inside the 7-day tolerance window.",
        "Step back to 1.5 mg, half the dose.",
    )


def test_it_names_the_last_tolerated_dose_it_steps_back_to():
    rec = run(state(dose="3", last="2"), [effect(1, severity=SEVERE)])

    assert rec.reasons[1] == (
        "Step back to 2 mg, the last dose taken without moderate or severe effects."
    )


def test_it_says_when_it_steps_back_to_the_nearest_measurable_dose():
    rec = run(state(dose="1.25"), [effect(0, severity=SEVERE)])

    assert rec.dose_mg == D("0.5")
    assert rec.reasons[1] == (
        "Step back to 0.5 mg, the nearest dose below half (or below the last tolerated dose) "
        "that this formulation measures."
    )


def test_a_last_tolerated_dose_above_the_current_one_is_not_named():
    rec = run(state(dose="2", last="3"), [effect(0, severity=SEVERE)])

    assert rec.dose_mg == D("1")
    assert rec.reasons[1] == "Step back to 1 mg, half the dose."


def test_it_steps_back_to_the_highest_listed_dose_at_or_below_the_target():
    rules = rules_with(doses=(D("0.5"), D("1"), D("1.5"), D("3"), D("4.5")))

    assert step_back_dose(rules=rules, state=state(dose="3")) == D("1.5")
    assert step_back_dose(rules=rules, state=state(dose="3", last="1")) == D("1")
    assert step_back_dose(rules=rules, state=state(dose="0.5")) is None
    assert step_back_dose(rules=rules, state=state(dose="4.5", last="4.5")) == D("1.5")


def test_it_steps_back_to_the_quantum_itself_and_no_lower():
    assert step_back_dose(rules=rules_with(), state=state(dose="0.5")) == D("0.25")
    assert step_back_dose(rules=rules_with(), state=state(dose="0.25")) is None
    quarter = rules_with(dose_quantum_mg=D("0.5"))
    assert step_back_dose(rules=quarter, state=state(dose="1")) == D("0.5")
    assert step_back_dose(rules=quarter, state=state(dose="0.75")) is None


def test_it_takes_the_latest_severe_effect_and_the_worse_one_on_a_day():
    effects = [
        effect(3, "nausea", SEVERE),
        effect(1, "headache", MODERATE),
        effect(1, "palpitations", SEVERE),
    ]

    rec = run(state(), effects)
    assert rec.reasons[0] == "Severe palpitations on 9 Nov, inside the 7-day tolerance window."

    rec = run(state(), [effect(2, "nausea", MILD), effect(2, "headache", MODERATE)])
    assert rec.reasons[0] == "Moderate headache on 8 Nov, inside the 7-day tolerance window."


def test_it_words_a_kind_outside_the_catalogue_without_underscores():
    rec = run(state(), [effect(0, "dry_mouth", MODERATE)])

    assert rec.reasons[0] == "Moderate dry mouth on 10 Nov, inside the 7-day tolerance window."


def test_it_switches_to_morning_with_its_reasons_and_review_day():
    effects = [effect(d, "insomnia", MILD) for d in (0, 1, 2)]
    rec = run(state(dose="3"), effects)

    assert rec.reasons == (
        "Trouble sleeping or vivid dreams on 3 days in the last 7 days.",
        "Taking the same dose in the morning often helps sleep; keep 3 mg.",
    )
    assert rec.review_on == TODAY + timedelta(days=7)


def test_it_switches_to_morning_after_one_day_when_the_protocol_says_so():
    rules = rules_with(sleep_switch_days=1, tolerance_window_days=5)
    rec = run(state(dose="3"), [effect(4, "vivid_dreams", MILD)], rules=rules)

    assert rec.action is Action.SWITCH_TO_MORNING
    assert rec.reasons[0] == "Trouble sleeping or vivid dreams on 1 day in the last 5 days."
    assert rec.review_on == TODAY + timedelta(days=5)


def test_two_days_of_sleep_trouble_are_not_enough_for_three():
    effects = [effect(d, "insomnia", MILD) for d in (0, 1)]

    assert run(state(), effects).action is Action.ADVANCE


def test_it_holds_with_its_reasons_until_the_window_is_clear():
    rec = run(state(dose="3"), [effect(2, "nausea", MODERATE)])

    assert rec.reasons == (
        "Moderate nausea or stomach upset on 8 Nov, inside the 7-day tolerance window.",
        "Stay on 3 mg until 15 Nov, when the window is clear of it.",
    )
    assert rec.review_on == date(2025, 11, 15)


def test_it_maintains_the_highest_dose_with_its_reason():
    rec = run(state(dose="4.5"))

    assert rec.reasons == ("4.5 mg is this protocol's highest dose of 4.5 mg.",)
    above = run(state(dose="9"))
    assert above.reasons == (
        "9 mg is above this protocol's highest dose of 4.5 mg; it will not be raised. "
        "Please review.",
    )
    assert above.review_on is None


def test_it_says_when_the_next_step_is_due():
    rec = run(state(dose="2", started=TODAY - timedelta(days=3)))

    assert rec.reasons == (
        "The next step is not due yet: each dose is kept for 7 days, so 2 mg runs until 14 Nov.",
    )
    assert rec.review_on == date(2025, 11, 14)


def test_it_advances_with_its_reasons():
    rec = run(state(dose="2"))

    assert rec.reasons == (
        "2 mg has been taken for 7 days with no moderate or severe side effects in the last "
        "7 days.",
        "Step up to 3 mg.",
    )


def advance_with(taken, days, share="0.8"):
    return recommend(
        rules=rules_with(min_taken_share=D(share)),
        state=state(dose="2", started=TODAY - timedelta(days=10)),
        side_effects=[],
        today=TODAY,
        adherence=Adherence(taken=taken, days=days),
    )


def test_it_steps_up_when_exactly_the_share_of_doses_was_taken():
    assert advance_with(8, 10).action is Action.ADVANCE
    assert advance_with(7, 10).action is Action.HOLD
    assert advance_with(0, 0).action is Action.ADVANCE
    assert advance_with(10, 10, share="1").action is Action.ADVANCE
    assert advance_with(0, 10, share="0").action is Action.ADVANCE
    strict = advance_with(9, 10, share="1")
    assert strict.action is Action.HOLD
    assert strict.reasons[0].endswith("a step up needs it taken on 100% of the days.")


def test_a_hold_for_missed_doses_says_what_to_do_and_when_to_look_again():
    rec = advance_with(1, 10, share="0.55")

    assert rec.reasons == (
        "Doses missed or not logged: since 31 Oct the dose log shows the dose taken on 1 day; "
        "a step up needs it taken on 55% of the days.",
        "A day with nothing in the dose log counts as a dose not taken.",
        "Stay on 2 mg until the dose is taken, and logged, regularly.",
    )
    assert rec.dose_mg == D("2")
    assert rec.review_on == TODAY + timedelta(days=7)


def test_it_keeps_a_pause_and_says_it_waits_for_the_washout():
    paused = State(
        dose_mg=D("3"),
        step_started=TODAY - timedelta(days=30),
        dose_time="bedtime",
        last_tolerated_mg=None,
        paused_since=TODAY - timedelta(days=2),
        paused_for_opioid=True,
    )
    rec = recommend(
        rules=rules_with(),
        state=paused,
        side_effects=[],
        today=TODAY,
        opioid=OpioidStatus(clear=False),
    )

    assert rec.action is Action.PAUSE
    assert rec.dose_mg == D("3")
    assert rec.reasons == (
        "Keep the regimen paused.",
        "LDN waits until the opioid is stopped and its washout is over.",
    )
    assert rec.review_on is None


def test_it_leaves_a_pause_for_another_reason_to_the_care_team():
    paused = State(
        dose_mg=D("3"),
        step_started=TODAY - timedelta(days=30),
        dose_time="bedtime",
        last_tolerated_mg=None,
        paused_since=date(2025, 11, 3),
    )
    rec = recommend(rules=rules_with(), state=paused, side_effects=[], today=TODAY)

    assert (rec.action, rec.dose_mg, rec.review_on) == (Action.PAUSE, D("3"), None)
    assert rec.reasons == (
        "Paused by the care team since 3 Nov, not for an opioid: it stays paused until they "
        "decide to resume it.",
    )


def resumed(days_paused, start_mg="1", max_break=14):
    paused = State(
        dose_mg=D("3"),
        step_started=TODAY - timedelta(days=60),
        dose_time="bedtime",
        last_tolerated_mg=None,
        paused_since=TODAY - timedelta(days=days_paused),
        paused_for_opioid=True,
    )
    start = D(start_mg) if start_mg is not None else None
    rules = rules_with(start_mg=start, same_dose_max_break_days=max_break)
    return recommend(rules=rules, state=paused, side_effects=[], today=TODAY)


def test_it_resumes_the_old_dose_after_a_break_of_up_to_the_limit():
    rec = resumed(14)

    assert (rec.action, rec.dose_mg, rec.review_on) == (Action.RESUME, D("3"), None)
    assert rec.reasons == (
        "Nothing stands in the way of LDN now.",
        "Paused since 27 Oct: resume the old dose of 3 mg (the old dose after a break of up "
        "to 14 days, until 10 Nov).",
    )


def test_it_titrates_again_from_the_first_dose_after_a_longer_break():
    rec = resumed(15)

    assert (rec.action, rec.dose_mg) == (Action.RESUME, D("1"))
    assert rec.reasons[1] == (
        "Paused since 26 Oct, more than 14 days: titrate again from the protocol's first "
        "dose of 1 mg."
    )


def test_it_resumes_the_old_dose_when_the_protocol_has_no_first_dose_or_a_higher_one():
    assert resumed(40, start_mg=None).dose_mg == D("3")
    assert resumed(40, start_mg="4").dose_mg == D("3")


def changes(current, effects=(), opioid=CLEAR_STATUS, rules=WEEKLY_1MG, adherence=None):
    return next_change(
        rules=rules,
        state=current,
        side_effects=list(effects),
        today=TODAY,
        opioid=opioid,
        adherence=adherence,
    )


def test_it_looks_again_when_the_step_falls_due():
    assert changes(state(started=TODAY - timedelta(days=3))) == date(2025, 11, 14)
    assert changes(state(started=TODAY - timedelta(days=7))) is None


def test_it_looks_again_the_day_unlogged_days_make_the_share_fall_short():
    """Started 3 Nov, taken every day to today (10 Nov, answered), 80%: on 13 Nov the 10
    days before it hold 8 taken, on 14 Nov the 11 days do not."""
    current = state(dose="2", started=date(2025, 11, 3))
    adherence = Adherence(taken=8, days=8)

    day = changes(current, adherence=adherence)

    assert day == date(2025, 11, 14)
    rules = WEEKLY_1MG
    for today, action in ((day - timedelta(days=1), Action.ADVANCE), (day, Action.HOLD)):
        counted = Adherence(taken=8, days=(today - current.step_started).days)
        rec = recommend(rules=rules, state=current, side_effects=[], today=today, adherence=counted)
        assert rec.action is action
    assert changes(current, adherence=Adherence(taken=3, days=7)) is None  # already short
    assert changes(current, rules=rules_with(min_taken_share=D("0")), adherence=adherence) is None


def test_it_looks_again_when_a_side_effect_leaves_the_window():
    effects = [effect(2), effect(5), effect(8)]

    assert changes(state(), effects) == date(2025, 11, 12)
    assert changes(state(), [effect(7)]) is None


def test_it_looks_again_when_the_washout_ends():
    opioid = OpioidStatus(clear=False, until=TODAY + timedelta(days=3))

    assert changes(state(), opioid=opioid) == date(2025, 11, 13)
    assert changes(state(), opioid=OpioidStatus(clear=False, until=TODAY)) is None


def test_it_looks_again_the_day_a_pause_outgrows_the_same_dose_break():
    paused = State(
        dose_mg=D("3"),
        step_started=TODAY - timedelta(days=60),
        dose_time="bedtime",
        last_tolerated_mg=None,
        paused_since=TODAY - timedelta(days=10),
        paused_for_opioid=True,
    )
    rules = rules_with(start_mg=D("1"), same_dose_max_break_days=14)

    day = changes(paused, rules=rules)

    assert day == date(2025, 11, 15)
    before = recommend(rules=rules, state=paused, side_effects=[], today=day - timedelta(days=1))
    after = recommend(rules=rules, state=paused, side_effects=[], today=day)
    assert (before.dose_mg, after.dose_mg) == (D("3"), D("1"))


def test_it_does_not_name_a_last_tolerated_dose_the_formulation_cannot_measure():
    """A last tolerated dose of 1.3 mg (another formulation): 1.25 mg is what this one makes."""
    rec = run(state(dose="3", last="1.3"), [effect(0, severity=SEVERE)])

    assert rec.dose_mg == D("1.25")
    assert rec.reasons[1].startswith("Step back to 1.25 mg, the nearest dose below half")
