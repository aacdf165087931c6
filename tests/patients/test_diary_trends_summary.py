"""The trends summary's maths (patients/py), worked by hand."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patients.rules.trends import (
    Comparison,
    Response,
    compare,
    default_range,
    dose_bands,
    mean,
    pain_response,
    rolling_means,
    rounded,
    windows,
)

START = date(2026, 10, 1)  # the regimen's first day
TODAY = date(2026, 11, 10)


def scores(pairs):
    """{days before START (negative) or days after it: score}"""
    return {START + timedelta(days=offset): value for offset, value in pairs.items()}


def test_it_places_the_baseline_before_the_start_and_the_recent_window_at_the_end():
    baseline, recent = windows(
        regimen_started_on=START, today=TODAY, baseline_days=14, recent_days=14
    )

    assert baseline == (date(2026, 9, 17), date(2026, 9, 30))
    assert recent == (date(2026, 10, 28), date(2026, 11, 10))


def test_it_never_counts_a_baseline_day_as_recent():
    _baseline, recent = windows(
        regimen_started_on=date(2026, 11, 5), today=TODAY, baseline_days=14, recent_days=14
    )

    assert recent == (date(2026, 11, 5), TODAY)


def test_it_means_the_days_with_a_score_and_skips_the_rest():
    # Baseline: 6, 7, 5, 6 on four of the 14 days (mean 24/4 = 6); None is not zero.
    # Recent: 3, 4, 2, 3, 3 on five days of the last 14 (mean 15/5 = 3).
    given = scores({-14: 6, -10: 7, -9: None, -3: 5, -1: 6, -15: 9, 0: 9})
    given.update(
        {TODAY - timedelta(days=n): v for n, v in [(0, 3), (2, 4), (5, 2), (9, 3), (13, 3)]}
    )
    given[TODAY - timedelta(days=14)] = 10  # one day too early for the recent window

    comparison = compare(
        scores=given,
        regimen_started_on=START,
        today=TODAY,
        baseline_days=14,
        recent_days=14,
        min_baseline_days=4,
        min_recent_days=4,
    )

    assert comparison == Comparison(
        baseline=Fraction(6), baseline_days=4, recent=Fraction(3), recent_days=5
    )
    assert comparison.change == -3


def test_it_has_no_mean_with_fewer_than_the_minimum_days():
    given = scores({-5: 6, -4: 6, -3: 6})  # 3 baseline days
    given.update({TODAY - timedelta(days=n): 2 for n in range(6)})

    comparison = compare(
        scores=given,
        regimen_started_on=START,
        today=TODAY,
        baseline_days=14,
        recent_days=14,
        min_baseline_days=4,
        min_recent_days=4,
    )

    assert comparison.baseline is None and comparison.baseline_days == 3
    assert comparison.recent == 2 and comparison.recent_days == 6
    assert comparison.change is None
    assert pain_response(comparison, percent=30, points=2).responder is None


@pytest.mark.parametrize(
    ("baseline", "recent", "responder", "points", "percent"),
    [
        # 6 -> 4: 2 points (33%): both thresholds met.
        ([6, 6, 6, 6], [4, 4, 4, 4], True, Fraction(2), Fraction(100, 3)),
        # 8 -> 6.25: 1.75 points, 21.875%: neither.
        ([8, 8, 8, 8], [6, 6, 7, 6], False, Fraction(7, 4), Fraction(175, 8)),
        # 3 -> 2: 1 point but 33.3%: responder by percent.
        ([3, 3, 3, 3], [2, 2, 2, 2], True, Fraction(1), Fraction(100, 3)),
        # 9 -> 7: 2 points (22.2%): responder by points.
        ([9, 9, 9, 9], [7, 7, 7, 7], True, Fraction(2), Fraction(200, 9)),
        # 5 -> 3.6 (3,4,4,3,4): 1.4 points, 28%: neither, just short.
        ([5, 5, 5, 5], [3, 4, 4, 3, 4], False, Fraction(7, 5), Fraction(28)),
        # 4 -> 5: pain rose.
        ([4, 4, 4, 4], [5, 5, 5, 5], False, Fraction(-1), Fraction(-25)),
    ],
)
def test_it_calls_a_30_percent_or_2_point_fall_a_response(
    baseline, recent, responder, points, percent
):
    given = {START - timedelta(days=n + 1): v for n, v in enumerate(baseline)}
    given.update({TODAY - timedelta(days=n): v for n, v in enumerate(recent)})
    comparison = compare(
        scores=given,
        regimen_started_on=START,
        today=TODAY,
        baseline_days=14,
        recent_days=14,
        min_baseline_days=4,
        min_recent_days=4,
    )

    response = pain_response(comparison, percent=30, points=2)

    assert response == Response(fall_points=points, fall_percent=percent, responder=responder)


def test_it_has_no_percentage_from_a_zero_baseline():
    comparison = Comparison(
        baseline=Fraction(0), baseline_days=4, recent=Fraction(0), recent_days=4
    )

    assert pain_response(comparison, percent=30, points=2) == Response(
        fall_points=Fraction(0), fall_percent=None, responder=False
    )


def test_it_rounds_means_for_people_to_one_decimal_half_up():
    assert rounded(Fraction(25, 4)) == Decimal("6.3")  # 6.25
    assert rounded(Fraction(1, 3)) == Decimal("0.3")
    assert rounded(Fraction(-7, 4)) == Decimal("-1.8")
    assert rounded(None) is None


def test_it_refuses_empty_windows():
    with pytest.raises(ValueError):
        compare(
            scores={},
            regimen_started_on=START,
            today=TODAY,
            baseline_days=14,
            recent_days=0,
            min_baseline_days=4,
            min_recent_days=4,
        )


def test_the_rolling_mean_takes_the_scored_days_of_the_last_7_and_needs_3():
    values = [4, None, 6, 5, None, None, None, None, 2]

    means = rolling_means(values, window=7, min_values=3)

    # The 4th day: (4 + 6 + 5) / 3 = 5, until the 7th; the 8th: only 6 and 5 in its week;
    # the 9th: (6 + 5 + 2) / 3 = 4.33.
    assert means == [
        None,
        None,
        None,
        Decimal("5.0"),
        Decimal("5.0"),
        Decimal("5.0"),
        Decimal("5.0"),
        None,
        Decimal("4.3"),
    ]


def test_dose_bands_are_runs_of_the_same_dose_broken_by_days_without_one():
    doses = [None, 1.0, 1.0, 2.0, 2.0, None, 2.0, 1.5]

    assert dose_bands(doses) == [
        (1, 2, Decimal("1.0")),
        (3, 4, Decimal("2.0")),
        (6, 6, Decimal("2.0")),
        (7, 7, Decimal("1.5")),
    ]


def test_the_default_range_is_30_days_for_a_regimen_younger_than_90():
    assert (
        default_range(regimen_started_on=TODAY - timedelta(days=10), today=TODAY, short=30, long=90)
        == 30
    )
    assert (
        default_range(regimen_started_on=TODAY - timedelta(days=89), today=TODAY, short=30, long=90)
        == 30
    )
    assert (
        default_range(regimen_started_on=TODAY - timedelta(days=90), today=TODAY, short=30, long=90)
        == 90
    )
    assert default_range(regimen_started_on=None, today=TODAY, short=30, long=90) == 90


def test_each_window_has_its_own_minimum():
    history = scores({**{-n: 6 for n in range(1, 8)}, **dict.fromkeys(range(36, 40), 3)})

    comparison = compare(
        scores=history,
        regimen_started_on=START,
        today=TODAY,
        baseline_days=14,
        recent_days=14,
        min_baseline_days=7,
        min_recent_days=5,
    )

    assert (comparison.baseline, comparison.baseline_days) == (6, 7)
    assert (comparison.recent, comparison.recent_days) == (None, 4)


def test_one_day_windows_with_one_scored_day_each_compare():
    comparison = compare(
        scores={START - timedelta(days=1): 8, TODAY: 5},
        regimen_started_on=START,
        today=TODAY,
        baseline_days=1,
        recent_days=1,
        min_baseline_days=1,
        min_recent_days=1,
    )

    assert comparison == Comparison(baseline=8, baseline_days=1, recent=5, recent_days=1)


@pytest.mark.parametrize(
    "days",
    [
        {"baseline_days": 0},
        {"recent_days": 0},
        {"min_baseline_days": 0},
        {"min_recent_days": -3},
    ],
)
def test_a_window_or_minimum_under_one_day_is_a_programming_error(days):
    values = {"baseline_days": 14, "recent_days": 14, "min_baseline_days": 4} | {
        "min_recent_days": 4
    }
    with pytest.raises(ValueError, match=r"^windows and the minimum are at least 1 day$"):
        compare(scores={}, regimen_started_on=START, today=TODAY, **(values | days))


def test_a_fall_of_exactly_the_percentage_is_a_response():
    # 10 -> 7: 3 points (fewer than the 4 asked) but exactly 30%.
    response = pain_response(
        Comparison(baseline=Fraction(10), baseline_days=7, recent=Fraction(7), recent_days=7),
        percent=30,
        points=4,
    )

    assert response.responder is True


def test_a_dose_band_keeps_its_first_day_over_a_long_run():
    assert dose_bands([1, 1, 1, 1, None, 2]) == [(0, 3, Decimal("1")), (5, 5, Decimal("2"))]


def test_rolling_means_take_a_window_of_one_day_and_a_minimum_up_to_the_window():
    assert rolling_means([4, None, 6], window=1, min_values=1) == [
        Decimal("4.0"),
        None,
        Decimal("6.0"),
    ]
    assert rolling_means([2, 4], window=2, min_values=2) == [None, Decimal("3.0")]


@pytest.mark.parametrize(("window", "min_values"), [(0, 1), (3, 0), (3, 4)])
def test_rolling_means_refuse_a_window_that_cannot_hold_the_minimum(window, min_values):
    with pytest.raises(ValueError, match="^the window is at least 1 day and holds the minimum$"):
        rolling_means([1, 2, 3], window=window, min_values=min_values)


def _rolling_means_by_definition(values, *, window, min_values):
    """Each day's window read afresh, its exact mean rounded by `rounded` (the reference)."""
    result = []
    for index in range(len(values)):
        present = [v for v in values[max(0, index - window + 1) : index + 1] if v is not None]
        result.append(rounded(mean(present)) if len(present) >= min_values else None)
    return result


@given(
    values=st.lists(st.one_of(st.none(), st.integers(-10, 10)), max_size=60),
    window=st.integers(1, 9),
    data=st.data(),
)
def test_the_sliding_rolling_mean_is_each_window_read_afresh(values, window, data):
    min_values = data.draw(st.integers(1, window))
    means = rolling_means(values, window=window, min_values=min_values)

    expected = _rolling_means_by_definition(values, window=window, min_values=min_values)
    assert means == expected
    assert [str(m) for m in means] == [str(m) for m in expected]  # one decimal, always
