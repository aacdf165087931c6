"""The supply rules (regimens/supply.py), checked against examples worked by hand.

The worked example: 30 capsules of 1.5 mg received on 1 Dec 2026, on 1.5 mg a night,
the plan steps to 3 mg in 10 days (11 Dec).
  1-10 Dec: 10 nights x 1 capsule = 10 capsules, 20 left after 10 Dec.
  from 11 Dec: 3 mg = 2 capsules a night, 20 / 2 = 10 nights: 11-20 Dec.
  21 Dec: nothing left. The supply runs out on 21 Dec; the last dose is on 20 Dec.
"""

from datetime import date, timedelta
from decimal import Decimal

from regimens import supply
from regimens.safety import DoseLimits

D = Decimal
FILL_DAY = date(2026, 12, 1)
LAST = FILL_DAY + timedelta(days=366)
THIRTY_OF_1_5 = supply.Fill(on=FILL_DAY, form="capsule", strength_mg=D("1.5"), quantity=D(30))


def _doses(steps, *, today=FILL_DAY, logged=None, no_ldn=(), paused_from=None):
    return supply.daily_doses(
        steps=steps,
        logged=logged or {},
        no_ldn=no_ldn,
        today=today,
        first=FILL_DAY,
        last=LAST,
        paused_from=paused_from,
    )


def _forecast(steps, *, fills=(THIRTY_OF_1_5,), today=FILL_DAY, **kwargs):
    doses = _doses(steps, today=today, **kwargs)
    return supply.forecast(fills=fills, doses=doses, today=today, last=LAST)


STEP_UP_IN_10_DAYS = [
    (date(2026, 11, 27), D("1.5")),  # the current step, begun before the fill
    (date(2026, 12, 11), D("3")),
    (date(2026, 12, 25), D("4.5")),
]


def test_30_capsules_of_1_5_mg_with_a_step_to_3_mg_in_10_days_run_out_on_21_december():
    result = _forecast(STEP_UP_IN_10_DAYS)
    assert result.runs_out_on == date(2026, 12, 21)
    assert result.last_dose_on == date(2026, 12, 20)
    assert result.days_left == 20
    assert result.why == supply.USED_UP
    assert result.in_hand == (("capsule", D("1.5"), D(30)),)


def test_without_the_step_the_same_capsules_last_30_nights():
    result = _forecast([(date(2026, 11, 27), D("1.5"))])
    assert result.runs_out_on == date(2026, 12, 31)


def test_a_step_back_to_1_5_mg_on_13_december_moves_the_day_to_29_december():
    # 1-10 Dec: 10 capsules; 11-12 Dec at 3 mg: 4 capsules; 16 left from 13 Dec at 1 a night:
    # 13-28 Dec. Runs out on 29 Dec.
    steps = [
        (date(2026, 11, 27), D("1.5")),
        (date(2026, 12, 11), D("3")),
        (date(2026, 12, 13), D("1.5")),
    ]
    assert _forecast(steps).runs_out_on == date(2026, 12, 29)


def test_a_hold_that_moves_the_step_a_week_later_adds_days():
    # 1-17 Dec: 17 capsules; 13 left, 2 a night from 18 Dec: 18-23 Dec (12), 1 left.
    # 24 Dec: 1 capsule cannot make 3 mg: runs out on 24 Dec.
    steps = [(date(2026, 11, 27), D("1.5")), (date(2026, 12, 18), D("3"))]
    result = _forecast(steps)
    assert result.runs_out_on == date(2026, 12, 24)
    assert result.why == supply.USED_UP  # a single capsule left: nothing makes the dose


def test_no_dose_on_the_days_of_a_planned_pause():
    # Pause 5-9 Dec (5 days without LDN): 1-4 and 10 Dec take 5 capsules, 25 left at 2 a
    # night from 11 Dec: 11-22 Dec (24), 1 left. Runs out on 23 Dec.
    pause = [date(2026, 12, 5) + timedelta(days=n) for n in range(5)]
    result = _forecast(STEP_UP_IN_10_DAYS, no_ldn=pause)
    assert result.runs_out_on == date(2026, 12, 23)
    assert result.why == supply.USED_UP


def test_skipped_and_missed_days_in_the_log_take_nothing_and_unlogged_days_count_as_taken():
    today = date(2026, 12, 6)
    logged = {date(2026, 12, 2): None, date(2026, 12, 3): None, date(2026, 12, 4): D("1.5")}
    # Taken on 1, 4 and 5 Dec (1 and 5 Dec have no answer: counted as taken), so 3 capsules
    # by today; 6-10 Dec: 5 more (8 in all), 22 left, 11 nights at 3 mg: 11-21 Dec, out on
    # 22 Dec.
    result = _forecast(STEP_UP_IN_10_DAYS, today=today, logged=logged)
    assert result.runs_out_on == date(2026, 12, 22)
    assert result.days_left == 16


def test_a_paused_regimen_takes_nothing_from_the_pause_on():
    result = _forecast(STEP_UP_IN_10_DAYS, paused_from=FILL_DAY)
    assert result.runs_out_on is None


def test_capsules_that_cannot_make_a_lower_step_run_out_on_its_day():
    steps = [(date(2026, 11, 27), D("1.5")), (date(2026, 12, 4), D("0.5"))]
    result = _forecast(steps)
    assert result.runs_out_on == date(2026, 12, 4)
    assert result.why == supply.CANNOT_MEASURE
    assert result.short_dose_mg == D("0.5")


def test_two_strengths_in_hand_make_the_dose_with_the_fewest_capsules():
    fills = (
        THIRTY_OF_1_5,
        supply.Fill(on=FILL_DAY, form="capsule", strength_mg=D("3"), quantity=D(5)),
    )
    # 1-10 Dec: one 1.5 mg a night (20 left); from 11 Dec 3 mg: one 3 mg capsule a night
    # (11-15 Dec), then two 1.5 mg (16-24 Dec, 2 left). 25 Dec, 4.5 mg: three 1.5 mg needed,
    # 2 left: out on 25 Dec.
    result = supply.forecast(
        fills=fills, doses=_doses(STEP_UP_IN_10_DAYS), today=FILL_DAY, last=LAST
    )
    assert result.runs_out_on == date(2026, 12, 25)


def test_a_liquid_counts_millilitres():
    fills = [supply.Fill(on=FILL_DAY, form="liquid", strength_mg=D("1"), quantity=D("30"))]
    # 1.5 mL a night for 10 nights (15 mL), then 3 mL: 15 / 3 = 5 nights, 11-15 Dec.
    result = supply.forecast(
        fills=fills, doses=_doses(STEP_UP_IN_10_DAYS), today=FILL_DAY, last=LAST
    )
    assert result.runs_out_on == date(2026, 12, 16)


def test_the_latest_fill_that_cannot_make_a_coming_step_is_named():
    steps = [(date(2026, 11, 27), D("1.5")), (date(2026, 12, 15), D("0.5"))]
    problems = supply.strength_problems(fills=[THIRTY_OF_1_5], steps=steps, today=FILL_DAY)
    assert [(p.step_on, p.dose_mg) for p in problems] == [(date(2026, 12, 15), D("0.5"))]
    assert (
        problems[0]
        .sentence()
        .startswith("The 1.5 mg capsules cannot make the 0.5 mg dose planned from 15 Dec 2026.")
    )
    assert (
        supply.strength_problems(fills=[THIRTY_OF_1_5], steps=STEP_UP_IN_10_DAYS, today=FILL_DAY)
        == []
    )


def test_the_quantity_to_the_next_check_in():
    doses = _doses(STEP_UP_IN_10_DAYS)
    # 21 Dec to 4 Jan: 21-24 Dec at 3 mg (4 x 2) and 25 Dec-4 Jan at 4.5 mg (11 x 3) = 41.
    quantity = supply.quantity_needed(
        doses=doses,
        first=date(2026, 12, 21),
        last=date(2027, 1, 4),
        form="capsule",
        strength_mg=D("1.5"),
    )
    assert quantity == 41
    assert supply.unit_label("capsule", D("1.5"), quantity) == "41 capsules of 1.5 mg"
    assert (
        supply.quantity_needed(
            doses=doses, first=FILL_DAY, last=LAST, form="capsule", strength_mg=D("2")
        )
        is None
    )


LIMITS = DoseLimits(protocol_ceiling_mg=D("4.5"))


def _errors(**changes):
    values = {
        "on": FILL_DAY,
        "today": FILL_DAY,
        "form": "capsule",
        "strength_mg": D("1.5"),
        "quantity": D(30),
        "limits": LIMITS,
        "dose_now_mg": D("1.5"),
    } | changes
    return supply.fill_errors(**values)


def test_a_fill_as_received_has_no_errors():
    assert _errors() == {}


def test_bad_fills_are_refused_by_field():
    assert list(_errors(quantity=D(0))) == ["quantity"]
    assert list(_errors(quantity=D(-5))) == ["quantity"]
    assert list(_errors(quantity=D("30.5"))) == ["quantity"]
    assert list(_errors(on=FILL_DAY + timedelta(days=1))) == ["on"]
    assert list(_errors(strength_mg=D(0))) == ["strength_mg"]
    assert "standard-dose naltrexone" in _errors(strength_mg=D(50))["strength_mg"][0]
    assert "above the LDN range" in _errors(strength_mg=D(10))["strength_mg"][0]
    assert _errors(form="liquid", strength_mg=D(1), quantity=D("50.5")) == {}
    assert list(_errors(form="liquid", strength_mg=D(1), quantity=D("50.55"))) == ["quantity"]


def test_a_strength_that_cannot_make_the_dose_taken_now_is_refused():
    message = _errors(strength_mg=D("1.5"), dose_now_mg=D("0.5"))["strength_mg"][0]
    assert message.startswith("The 1.5 mg capsules cannot make your dose of 0.5 mg")
