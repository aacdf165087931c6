"""The trends summary: a score's baseline before the regimen against the last weeks, and
whether pain fell enough to call the patient a responder.

Pure: plain values in, numbers out. No ORM, no clock (``today`` is passed in), no settings
(the windows and thresholds are passed in; patients.diary_selectors reads settings.LDN).

Sources (docs/clinical-rules.md §7.1, §7.3): Younger's trials averaged daily 0-100 scales
over a 2-week baseline; on the 0-10 pain NRS a fall of about 2 points or 30% is clinically
important (Farrar 2001, https://pubmed.ncbi.nlm.nih.gov/11690728/).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class Comparison:
    """A score's mean over the baseline and over the recent window, exact (as fractions).

    A mean is None when its window has fewer than the minimum number of days with a score.
    """

    baseline: Fraction | None
    baseline_days: int  # days with a score in the baseline window
    recent: Fraction | None
    recent_days: int

    @property
    def change(self) -> Fraction | None:
        """Recent minus baseline: negative when the score fell."""
        if self.baseline is None or self.recent is None:
            return None
        return self.recent - self.baseline


@dataclass(frozen=True)
class Response:
    """Whether pain fell by at least `points` or `percent` percent of the baseline."""

    fall_points: Fraction | None  # baseline - recent; negative when pain rose
    fall_percent: Fraction | None  # of the baseline; None when the baseline is 0
    responder: bool | None  # None when either mean is missing


def mean(values) -> Fraction | None:
    values = list(values)
    if not values:
        return None
    return Fraction(sum(values), len(values))


def rounded(value: Fraction | None) -> Decimal | None:
    """A mean for people: one decimal, halves rounded up (6.25 -> 6.3)."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def windows(
    *, regimen_started_on: date, today: date, baseline_days: int, recent_days: int
) -> tuple[tuple[date, date], tuple[date, date]]:
    """The inclusive baseline and recent windows.

    Baseline: the `baseline_days` days before the regimen's first day. Recent: the last
    `recent_days` days up to today, but never before the regimen's first day (so a day is
    never counted in both)."""
    baseline = (
        regimen_started_on - timedelta(days=baseline_days),
        regimen_started_on - timedelta(days=1),
    )
    recent = (max(today - timedelta(days=recent_days - 1), regimen_started_on), today)
    return baseline, recent


def compare(
    *,
    scores: Mapping[date, int | None],
    regimen_started_on: date,
    today: date,
    baseline_days: int,
    recent_days: int,
    min_baseline_days: int,
    min_recent_days: int,
) -> Comparison:
    """The mean of the days with a score in each window (days without one are left out,
    not counted as zero); a window with fewer scored days than its minimum has no mean."""
    if min(baseline_days, recent_days, min_baseline_days, min_recent_days) < 1:
        raise ValueError("windows and the minimum are at least 1 day")
    (b_first, b_last), (r_first, r_last) = windows(
        regimen_started_on=regimen_started_on,
        today=today,
        baseline_days=baseline_days,
        recent_days=recent_days,
    )
    baseline = [v for d, v in scores.items() if v is not None and b_first <= d <= b_last]
    recent = [v for d, v in scores.items() if v is not None and r_first <= d <= r_last]
    return Comparison(
        baseline=mean(baseline) if len(baseline) >= min_baseline_days else None,
        baseline_days=len(baseline),
        recent=mean(recent) if len(recent) >= min_recent_days else None,
        recent_days=len(recent),
    )


def pain_response(comparison: Comparison, *, percent: int, points: int) -> Response:
    """A responder: pain fell by `points` or more, or by `percent`% or more of the baseline
    (Farrar 2001: 2 points or 30%)."""
    if comparison.baseline is None or comparison.recent is None:
        return Response(fall_points=None, fall_percent=None, responder=None)
    fall = comparison.baseline - comparison.recent
    fall_percent = fall * 100 / comparison.baseline if comparison.baseline else None
    responder = fall >= points or (fall_percent is not None and fall_percent >= percent)
    return Response(fall_points=fall, fall_percent=fall_percent, responder=responder)


def _tenths_half_up(total: int, count: int) -> Decimal:
    """total / count to one decimal, halves away from zero: what rounded(mean(...)) gives,
    in integer arithmetic (a year of four scores is 1,460 means a page)."""
    sign = -1 if total < 0 else 1
    tenths = (20 * abs(total) + count) // (2 * count)  # 10 * |mean|, halves up
    return Decimal(sign * tenths).scaleb(-1)


def rolling_means(
    values: Sequence[int | None], *, window: int, min_values: int
) -> list[Decimal | None]:
    """The trailing mean of each day and the `window - 1` days before it, over the days that
    have a value, to one decimal; None where fewer than `min_values` of them have one (or
    the day itself starts the series with too little history). The window's sum and count
    slide along the days."""
    if window < 1 or not 1 <= min_values <= window:
        raise ValueError("the window is at least 1 day and holds the minimum")
    result: list[Decimal | None] = []
    total = count = 0
    for index, value in enumerate(values):
        if value is not None:
            total += value
            count += 1
        if index >= window:
            leaving = values[index - window]
            if leaving is not None:
                total -= leaving
                count -= 1
        result.append(_tenths_half_up(total, count) if count >= min_values else None)
    return result


def dose_bands(doses: Sequence[Decimal | float | None]) -> list[tuple[int, int, Decimal]]:
    """Runs of days on the same dose, as (first index, last index, dose): what the trends
    charts shade and label. Days without a dose (before the start, paused, stopped) break a
    run and belong to none."""
    bands: list[tuple[int, int, Decimal]] = []
    for index, value in enumerate(doses):
        if value is None:
            continue
        dose = Decimal(str(value))
        if bands and bands[-1][1] == index - 1 and bands[-1][2] == dose:
            bands[-1] = (bands[-1][0], index, dose)
        else:
            bands.append((index, index, dose))
    return bands


def default_range(*, regimen_started_on: date | None, today: date, short: int, long: int) -> int:
    """The trends page's default range: `short` days while the latest regimen is younger
    than `long` days (so its weeks fill the chart), `long` otherwise."""
    if regimen_started_on is not None and (today - regimen_started_on).days < long:
        return short
    return long
