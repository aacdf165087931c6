"""The trends page: scores, side effects and the dose over the last weeks, and the summary
that compares the weeks before the latest regimen with the recent ones (the maths is the pure
patients.rules.trends).

Side effects come through the one read path (patients.selectors.side_effects), the dose from
the treatment (patients.treatment). Takes a patient already resolved for the viewer.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from patients.models import DiaryEntry, Patient, PGICResponse
from patients.rules import side_effects as catalogue
from patients.rules import trends
from patients.selectors.diary import DOSE_STATUS_LABELS, pgic_answers, reported_tags
from patients.selectors.side_effects import DIARY_EFFECT_COLUMNS, side_effects_with
from patients.treatment import treatment
from portal.lib.formats import dose as dose_text
from portal.lib.formats import mg, short_days
from portal.lib.fragments import fingerprint

SCORES = ("pain", "fatigue", "sleep_quality", "mood")
SCORE_LABELS = {
    "pain": gettext_lazy("Pain"),
    "fatigue": gettext_lazy("Fatigue"),
    "sleep_quality": gettext_lazy("Sleep quality"),
    "mood": gettext_lazy("Mood"),
}
# Which way is better, for the summary's words.
HIGHER_IS_BETTER = {"pain": False, "fatigue": False, "sleep_quality": True, "mood": True}
TREND_RANGES = (30, 90, 365)
# The chart draws the common side effects (thyroid items are in the table).
CHART_ITEMS = catalogue.COMMON_ITEMS
# The charts' smoothing (a way of drawing, not a clinical rule): each day's line is the mean
# of the scored days among it and the 6 before, drawn where at least 3 of them have a score.
ROLLING_DAYS = 7


@dataclass(frozen=True)
class ChartMeasure:
    name: str  # the canvas is chart-<name>
    label: str
    scale: str
    aria: str


CHART_MEASURES = (
    *(
        ChartMeasure(
            name,
            SCORE_LABELS[name],
            gettext_lazy("0 to 10"),
            gettext_lazy(
                "Chart of the daily scores and their 7-day mean over time, with the dose steps. "
                "The same numbers are in the table below."
            ),
        )
        for name in SCORES
    ),
    ChartMeasure(
        "effects",
        gettext_lazy("Side effects"),
        gettext_lazy("the worst each day"),
        gettext_lazy(
            "Chart of the worst side effect each day, none to severe, with the dose steps. "
            "The same is in the table below."
        ),
    ),
)
ROLLING_MIN_VALUES = 3


def trend_range(value: str | None, *, default: int = 90) -> int:
    """The trends page's range in days: 30, 90 or 365 (`default` for anything else)."""
    try:
        days = int(value or "")
    except ValueError:
        return default
    return days if days in TREND_RANGES else default


_UNKNOWN = object()


def latest_regimen_started_on(*, patient: Patient, today: date) -> date | None:
    """The day the patient's latest regimen started (None without one): the default range
    and the summary's baseline both follow it, so the page reads it once."""
    return treatment().regimen_starts(patient=patient, today=today).latest


def default_trend_range(*, patient: Patient, today: date, started=_UNKNOWN) -> int:
    """30 days while the latest regimen is younger than 90 days, else 90. `started`: the
    latest regimen's start when the caller has it (latest_regimen_started_on)."""
    if started is _UNKNOWN:
        started = latest_regimen_started_on(patient=patient, today=today)
    return trends.default_range(
        regimen_started_on=started, today=today, short=TREND_RANGES[0], long=TREND_RANGES[1]
    )


@dataclass(frozen=True)
class ScoreSummary:
    measure: str
    label: str
    baseline: Decimal | None
    baseline_days: int
    recent: Decimal | None
    recent_days: int
    change: Decimal | None
    sentence: str


@dataclass(frozen=True)
class PainVerdict:
    responder: bool | None
    fall_points: Decimal | None
    fall_percent: Decimal | None
    sentence: str


@dataclass
class Trends:
    days: int
    first_day: date
    today: date
    regimen_started_on: date | None
    rows: list[dict]  # one per day with an entry or a dose, oldest first
    chart: dict  # what static/js/trends.js draws
    summaries: list[ScoreSummary] = field(default_factory=list)
    pain: PainVerdict | None = None
    baseline_window: tuple[date, date] | None = None
    recent_window: tuple[date, date] | None = None
    reported_tags: list[str] = field(default_factory=list)
    pgic: list[PGICResponse] = field(default_factory=list)

    @cached_property
    def rows_key(self) -> str:
        """A digest of the rows: what the two daily tables are kept under
        (portal.lib.fragments), worked out once for both."""
        return fingerprint(self.rows)


def _mean_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _shortfall(comparison: trends.Comparison) -> str:
    """What a comparison still needs, in words: more days on LDN, or a baseline it lacks."""
    ldn = settings.LDN
    parts = []
    if comparison.baseline is None and comparison.baseline_days == 0:
        parts.append(_("no day with a score in the 2 weeks before LDN to compare with"))
    elif comparison.baseline is None:
        parts.append(
            ngettext(
                "only %(have)d day with a score in the 2 weeks before LDN, and %(need)d are "
                "needed to compare with",
                "only %(have)d days with a score in the 2 weeks before LDN, and %(need)d are "
                "needed to compare with",
                comparison.baseline_days,
            )
            % {"have": comparison.baseline_days, "need": ldn["TRENDS_MIN_BASELINE_DAYS"]}
        )
    if comparison.recent is None:
        more = ldn["TRENDS_MIN_LDN_DAYS"] - comparison.recent_days
        parts.append(
            ngettext(
                "%(more)d more day with a score on LDN is needed",
                "%(more)d more days with a score on LDN are needed",
                more,
            )
            % {"more": more}
        )
    return "; ".join(parts)


def _summary(measure: str, comparison: trends.Comparison) -> ScoreSummary:
    label = str(SCORE_LABELS[measure])
    change = comparison.change
    baseline, recent = trends.rounded(comparison.baseline), trends.rounded(comparison.recent)
    if comparison.baseline is None or comparison.recent is None:
        sentence = _("%(label)s: not compared yet: %(why)s.") % {
            "label": label,
            "why": _shortfall(comparison),
        }
    elif trends.rounded(change) == 0:  # 5.53 against 5.50 is no change to one decimal
        sentence = _("%(label)s: %(before)s before the regimen and %(now)s recently, no change.")
        sentence %= {"label": label, "before": baseline, "now": recent}
    else:
        better = (change > 0) == HIGHER_IS_BETTER[measure]
        direction = _("better") if better else _("worse")
        word = _("up") if change > 0 else _("down")
        sentence = _(
            "%(label)s: %(before)s before the regimen, %(now)s recently: %(word)s %(points)s "
            "points (%(direction)s)."
        ) % {
            "label": label,
            "before": baseline,
            "now": recent,
            "word": word,
            "points": _mean_text(trends.rounded(abs(change))),
            "direction": direction,
        }
    return ScoreSummary(
        measure=measure,
        label=label,
        baseline=baseline,
        baseline_days=comparison.baseline_days,
        recent=recent,
        recent_days=comparison.recent_days,
        change=trends.rounded(change) if change is not None else None,
        sentence=sentence,
    )


def _pain_verdict(comparison: trends.Comparison) -> PainVerdict:
    ldn = settings.LDN
    response = trends.pain_response(
        comparison,
        percent=ldn["RESPONDER_PAIN_FALL_PERCENT"],
        points=ldn["RESPONDER_PAIN_FALL_POINTS"],
    )
    values = {
        "percent": ldn["RESPONDER_PAIN_FALL_PERCENT"],
        "points": ldn["RESPONDER_PAIN_FALL_POINTS"],
    }
    if response.responder is None:
        sentence = _("Too early to tell whether pain fell: %(why)s.") % {
            "why": _shortfall(comparison)
        }
    elif response.responder:
        sentence = (
            _(
                "Pain fell by at least %(percent)d%% or %(points)d points: a clinically important "
                "fall (Farrar 2001)."
            )
            % values
        )
    else:
        sentence = (
            _(
                "Pain has not fallen by %(percent)d%% or %(points)d points, the size of a "
                "clinically important fall (Farrar 2001)."
            )
            % values
        )
    percent = response.fall_percent
    return PainVerdict(
        responder=response.responder,
        fall_points=trends.rounded(response.fall_points),
        fall_percent=trends.rounded(percent) if percent is not None else None,
        sentence=sentence,
    )


def _window_scores(patient, entries, first, today, baseline, recent) -> list[dict]:
    """The diary days the summary compares (trends.compare keeps those of its two windows):
    the days already read for the page when both windows lie inside them (a regimen begun
    within the page's range), else the two windows read on their own."""
    if all(first <= start and end <= today for start, end in (baseline, recent)):
        return list(entries.values())
    return list(
        DiaryEntry.objects.filter(patient=patient)
        .filter(
            Q(local_date__gte=baseline[0], local_date__lte=baseline[1])
            | Q(local_date__gte=recent[0], local_date__lte=recent[1])
        )
        .values("local_date", *SCORES)
    )


def trends_for(*, patient: Patient, today: date, days: int, started=_UNKNOWN) -> Trends:
    """Scores, side effects and the dose over the last `days` days, and the summary:
    the baseline before the latest regimen against the recent weeks (patients.rules.trends)."""
    first = today - timedelta(days=days - 1)
    fields = ("local_date", *SCORES, *catalogue.FIELDS)
    # The diary is read once: its scores for the page, its side effects for the one read path.
    diary_days = list(
        DiaryEntry.objects.filter(
            patient=patient, local_date__gte=first, local_date__lte=today
        ).values(*dict.fromkeys((*fields, *DIARY_EFFECT_COLUMNS)))
    )
    entries = {e["local_date"]: {name: e[name] for name in fields} for e in diary_days}
    effects: dict[date, dict[str, int]] = {}
    for effect in side_effects_with(
        patient=patient, diary_rows=diary_days, first=first, last=today
    ):
        effects.setdefault(effect.day, {})[effect.item] = effect.severity
    doses = treatment().dose_days(patient=patient, first=first, last=today)
    every_day = [first + timedelta(days=n) for n in range(days)]
    labels, rows = short_days(every_day), []
    # The dose log's words, translated once for the page's rows (and their digest).
    dose_words = {status: str(label) for status, label in DOSE_STATUS_LABELS.items()}
    series = {name: [] for name in (*SCORES, *(i.key for i in CHART_ITEMS), "dose")}
    for day, label in zip(every_day, labels, strict=True):
        entry = entries.get(day, {})
        worst = effects.get(day, {})
        dose = doses.get(day)
        for name in SCORES:
            series[name].append(entry.get(name))
        for item in CHART_ITEMS:
            series[item.key].append(worst.get(item.key, entry.get(item.field)))
        dose_mg = dose.dose_mg if dose else None
        series["dose"].append(float(dose_mg) if dose_mg is not None else None)
        if entry or worst or dose is not None:
            rows.append(
                {
                    "day": day,
                    "label": label,
                    "entry": {**entry, **{catalogue.item(k).field: v for k, v in worst.items()}},
                    "dose": mg(dose_mg) if dose_mg is not None else "",
                    "dose_status": dose_words.get(dose.logged, "") if dose else "",
                }
            )

    if started is _UNKNOWN:
        started = latest_regimen_started_on(patient=patient, today=today)
    result = Trends(
        days=days,
        first_day=first,
        today=today,
        regimen_started_on=started,
        rows=rows,
        chart={
            "labels": labels,
            "series": series,
            "names": {
                **{k: str(v) for k, v in SCORE_LABELS.items()},
                **{item.key: str(item.short) for item in CHART_ITEMS},
                "dose": str(_("Dose (mg)")),
            },
            "axes": {
                "score": str(_("Score (0 to 10)")),
                "severity": str(_("Severity")),
                "dose": str(_("Dose (mg)")),
            },
            "severities": [str(label) for _value, label in catalogue.Severity.choices],
            "means": {
                name: [
                    float(v) if v is not None else None
                    for v in trends.rolling_means(
                        series[name], window=ROLLING_DAYS, min_values=ROLLING_MIN_VALUES
                    )
                ]
                for name in SCORES
            },
            "worst": [
                max((series[item.key][i] or 0 for item in CHART_ITEMS), default=0)
                if any(series[item.key][i] is not None for item in CHART_ITEMS)
                else None
                for i in range(len(labels))
            ],
            "bands": [
                {"first": first, "last": last, "label": dose_text(value)}
                for first, last, value in trends.dose_bands(series["dose"])
            ],
            "mean_label": str(_("7-day mean")),
            "daily_label": str(_("Each day")),
            "worst_label": str(_("Worst side effect that day")),
        },
        reported_tags=reported_tags(row["entry"] for row in rows),
        pgic=list(pgic_answers(patient=patient, since=first)),
    )
    if started is not None:
        ldn = settings.LDN
        baseline, recent = trends.windows(
            regimen_started_on=started,
            today=today,
            baseline_days=ldn["TRENDS_BASELINE_DAYS"],
            recent_days=ldn["TRENDS_RECENT_DAYS"],
        )
        scores = _window_scores(patient, entries, first, today, baseline, recent)
        for measure in SCORES:
            comparison = trends.compare(
                scores={s["local_date"]: s[measure] for s in scores},
                regimen_started_on=started,
                today=today,
                baseline_days=ldn["TRENDS_BASELINE_DAYS"],
                recent_days=ldn["TRENDS_RECENT_DAYS"],
                min_baseline_days=ldn["TRENDS_MIN_BASELINE_DAYS"],
                min_recent_days=ldn["TRENDS_MIN_LDN_DAYS"],
            )
            result.summaries.append(_summary(measure, comparison))
            if measure == "pain":
                result.pain = _pain_verdict(comparison)
        result.baseline_window, result.recent_window = baseline, recent
    return result
