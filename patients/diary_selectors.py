"""Reads of the symptom diary, its trends and the provider's triage queue.

Every function takes a patient already resolved through patients.selectors (own_patient or
patient_for, 404 for anyone else) or, for the triage queue, the provider whose care team it
lists. Pure maths lives in patients.trends; the flag rules in patients.flags.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients import trends
from patients.flags import SIDE_EFFECT_ITEMS, THYROID_ITEMS
from patients.models import DiaryEntry, Patient, PGICResponse, Review, Severity
from regimens import safety
from regimens.models import DoseLog, Regimen, RegimenEvent, TitrationStep

SCORES = ("pain", "fatigue", "sleep_quality", "mood")
SCORE_LABELS = {
    "pain": gettext_lazy("Pain"),
    "fatigue": gettext_lazy("Fatigue"),
    "sleep_quality": gettext_lazy("Sleep quality"),
    "mood": gettext_lazy("Mood"),
}
# Which way is better, for the summary's words.
HIGHER_IS_BETTER = {"pain": False, "fatigue": False, "sleep_quality": True, "mood": True}
EFFECT_LABELS = {
    "vivid_dreams": gettext_lazy("Vivid dreams"),
    "insomnia": gettext_lazy("Trouble sleeping"),
    "headache": gettext_lazy("Headache"),
    "nausea": gettext_lazy("Nausea"),
    "other_effect": gettext_lazy("Other"),
    "palpitations": gettext_lazy("Palpitations"),
    "tremor": gettext_lazy("Tremor"),
    "heat_intolerance": gettext_lazy("Feeling too hot"),
    "anxiety": gettext_lazy("Anxiety"),
}
# Library tags for the side effects a patient reported (content_tags.guidance_links).
GUIDANCE_TAGS = {
    "vivid_dreams": "sleep",
    "insomnia": "sleep",
    "headache": "headache",
    "nausea": "nausea",
}
TREND_RANGES = (30, 90, 365)
TIMELINE_PAGE_SIZE = 31

GLUCOSE_CONDITIONS = ("insulin-resistance",)
BOWEL_CONDITIONS = ("crohns", "ulcerative-colitis")


# The diary's questions ---------------------------------------------------------------------


@dataclass(frozen=True)
class DiaryQuestions:
    """The conditional items this patient is asked, besides everyone's."""

    thyroid: bool = False
    glucose: bool = False
    stools: bool = False


def diary_questions(*, patient: Patient) -> DiaryQuestions:
    """Thyroid items for a thyroid condition or thyroid hormone taken now; fasting glucose
    for insulin resistance; stools per day for Crohn's disease or ulcerative colitis."""
    slugs = set(patient.conditions.values_list("slug", flat=True))
    thyroid = (
        patient.conditions.filter(is_thyroid=True).exists()
        or patient.medications.filter(is_thyroid_hormone=True, stopped_on__isnull=True).exists()
    )
    return DiaryQuestions(
        thyroid=thyroid,
        glucose=bool(slugs & set(GLUCOSE_CONDITIONS)),
        stools=bool(slugs & set(BOWEL_CONDITIONS)),
    )


def edit_days() -> int:
    return settings.LDN["DIARY_EDIT_DAYS"]


def can_edit(day: date, today: date) -> bool:
    """A day's entry can be written or changed from that day until DIARY_EDIT_DAYS later."""
    return day <= today and (today - day).days <= edit_days()


def diary_entry_on(*, patient: Patient, day: date | None) -> DiaryEntry | None:
    if day is None:
        return None
    return DiaryEntry.objects.filter(patient=patient, local_date=day).first()


def parse_day(value: str | None) -> date | None:
    """A day from a query string (2026-11-03), or None when it is missing or not a date."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def already_written_message(day: date, *, typed: bool = False) -> str:
    if typed:
        return _(
            "You already have an entry for %(day)s. What you typed is below, not saved yet: "
            "save it to change that day's entry."
        ) % {"day": date_format(day, "j M")}
    return _("You already have an entry for %(day)s: here it is to change.") % {
        "day": date_format(day, "j M")
    }


def morning_step(entry: DiaryEntry | None) -> str:
    """Where today's morning check-in is: "sleep", then "dreams", then "done"."""
    if entry is None or entry.sleep_quality is None:
        return "sleep"
    if entry.vivid_dreams is None:
        return "dreams"
    return "done"


def trend_range(value: str | None) -> int:
    """The trends page's range in days: 30, 90 or 365 (90 for anything else)."""
    try:
        days = int(value or "")
    except ValueError:
        return 90
    return days if days in TREND_RANGES else 90


def active_regimen(*, patient: Patient) -> Regimen | None:
    """The patient's active regimen with its steps (doses are logged only while active)."""
    return (
        Regimen.objects.filter(patient=patient, status=Regimen.Status.ACTIVE)
        .prefetch_related("steps")
        .first()
    )


def dose_log_on(*, regimen: Regimen | None, day: date) -> DoseLog | None:
    if regimen is None:
        return None
    return DoseLog.objects.filter(regimen=regimen, on=day).first()


def dose_loggable(regimen: Regimen | None, day: date) -> bool:
    """Whether the dose-log service accepts a dose on `day`: the regimen is active and its
    current step had begun (regimens.services.dose_log_mark)."""
    if regimen is None or not regimen.is_active:
        return False
    current = regimen.current_step
    return current is not None and current.started_on <= day


# PGIC ---------------------------------------------------------------------------------------


def pgic_due(*, patient: Patient, today: date) -> bool:
    """Every PGIC_INTERVAL_DAYS of an active regimen: counted from the regimen's start or
    from the last answer, whichever is later (FINAL asked at weeks 4, 8 and 12)."""
    regimen = Regimen.objects.filter(patient=patient, status=Regimen.Status.ACTIVE).first()
    if regimen is None:
        return False
    last = PGICResponse.objects.filter(patient=patient, answered_on__lte=today).aggregate(
        last=Max("answered_on")
    )["last"]
    since = max(regimen.started_on, last) if last else regimen.started_on
    return (today - since).days >= settings.LDN["PGIC_INTERVAL_DAYS"]


def pgic_answers(*, patient: Patient, since: date | None = None) -> QuerySet[PGICResponse]:
    answers = PGICResponse.objects.filter(patient=patient)
    if since is not None:
        answers = answers.filter(answered_on__gte=since)
    return answers


# The timeline -------------------------------------------------------------------------------


def timeline(*, patient: Patient) -> QuerySet[DiaryEntry]:
    """The patient's diary, newest first, each entry with its day's dose-log status."""
    dose = DoseLog.objects.filter(
        regimen__patient=OuterRef("patient"), on=OuterRef("local_date")
    ).order_by("-regimen__started_on")
    return (
        DiaryEntry.objects.filter(patient=patient)
        .annotate(
            dose_status=Subquery(dose.values("status")[:1]),
            dose_mg=Subquery(dose.values("dose_mg")[:1]),
        )
        .order_by("-local_date")
    )


def reported_tags(entries) -> list[str]:
    """Library tags for the side effects in these entries (mild or worse), e.g. ["sleep"]."""
    tags = []
    for entry in entries:
        for item, tag in GUIDANCE_TAGS.items():
            value = entry.get(item) if isinstance(entry, dict) else getattr(entry, item)
            if value and tag not in tags:
                tags.append(tag)
    return tags


def reviews_for(*, patient: Patient) -> QuerySet[Review]:
    return (
        Review.objects.filter(patient=patient)
        .select_related("reviewed_by")
        .prefetch_related("flags")
    )


# Trends -------------------------------------------------------------------------------------


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


def _dose_by_day(patient: Patient, first: date, last: date) -> dict[date, Decimal]:
    """The dose in effect each day, from the steps that began (TitrationStep), for the days
    a regimen was taken: nothing before it began, while it was paused (its pause and resume
    events) or from the day it stopped."""
    regimens = list(
        Regimen.objects.filter(patient=patient, started_on__lte=last).prefetch_related(
            Prefetch(
                "steps",
                queryset=TitrationStep.objects.filter(started_on__isnull=False).order_by(
                    "started_on", "sequence"
                ),
            ),
            Prefetch(
                "events",
                queryset=RegimenEvent.objects.filter(
                    kind__in=(RegimenEvent.Kind.PAUSED, RegimenEvent.Kind.RESUMED)
                ).order_by("at", "pk"),
            ),
        )
    )
    doses = {}
    for regimen in regimens:
        steps = list(regimen.steps.all())
        paused = _paused_days(regimen, last)
        end = regimen.ended_on - timedelta(days=1) if regimen.ended_on else last
        day = max(first, regimen.started_on)
        index, current = 0, None
        while day <= min(end, last):
            while index < len(steps) and steps[index].started_on <= day:
                current = steps[index]
                index += 1
            if current is not None and not any(a <= day < b for a, b in paused):
                doses[day] = current.dose_mg
            day += timedelta(days=1)
    return doses


def _paused_days(regimen: Regimen, last: date) -> list[tuple[date, date]]:
    """[from, until) intervals the regimen was paused, from its plan history."""
    intervals, since = [], None
    for event in regimen.events.all():
        if event.kind == RegimenEvent.Kind.PAUSED and since is None:
            since = event.effective_on
        elif event.kind == RegimenEvent.Kind.RESUMED and since is not None:
            intervals.append((since, event.effective_on))
            since = None
    if since is not None:
        intervals.append((since, last + timedelta(days=1)))
    return intervals


def _mean_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _summary(measure: str, comparison: trends.Comparison) -> ScoreSummary:
    label = str(SCORE_LABELS[measure])
    change = comparison.change
    baseline, recent = trends.rounded(comparison.baseline), trends.rounded(comparison.recent)
    if comparison.baseline is None or comparison.recent is None:
        sentence = _(
            "%(label)s: not enough days to compare (%(before)d before the regimen, "
            "%(recent)d recently; %(min)d each are needed)."
        ) % {
            "label": label,
            "before": comparison.baseline_days,
            "recent": comparison.recent_days,
            "min": settings.LDN["TRENDS_MIN_DAYS"],
        }
    elif change == 0:
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
        sentence = _("Not enough pain scores yet to tell whether pain fell.")
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


def _latest_regimen_start(patient: Patient, today: date) -> date | None:
    regimen = (
        Regimen.objects.filter(patient=patient, started_on__lte=today)
        .order_by("-started_on", "-pk")
        .first()
    )
    return regimen.started_on if regimen else None


def trends_for(*, patient: Patient, today: date, days: int) -> Trends:
    """Scores, side effects and the dose over the last `days` days, and the summary:
    the baseline before the latest regimen against the recent weeks (patients.trends)."""
    first = today - timedelta(days=days - 1)
    fields = ("local_date", *SCORES, *SIDE_EFFECT_ITEMS, *THYROID_ITEMS)
    entries = {
        e["local_date"]: e
        for e in DiaryEntry.objects.filter(
            patient=patient, local_date__gte=first, local_date__lte=today
        ).values(*fields)
    }
    doses = _dose_by_day(patient, first, today)
    logs = dict(
        DoseLog.objects.filter(regimen__patient=patient, on__gte=first, on__lte=today)
        .order_by("on", "regimen__started_on")
        .values_list("on", "status")
    )
    status_labels = dict(DoseLog.Status.choices)
    labels, rows = [], []
    series = {name: [] for name in (*SCORES, *SIDE_EFFECT_ITEMS, "dose")}
    day = first
    while day <= today:
        entry = entries.get(day, {})
        dose = doses.get(day)
        labels.append(date_format(day, "j M"))
        for name in (*SCORES, *SIDE_EFFECT_ITEMS):
            series[name].append(entry.get(name))
        series["dose"].append(float(dose) if dose is not None else None)
        if entry or dose is not None or day in logs:
            rows.append(
                {
                    "day": day,
                    "entry": entry,
                    "dose": safety.format_decimal(dose) if dose is not None else "",
                    "dose_status": status_labels.get(logs.get(day), ""),
                }
            )
        day += timedelta(days=1)

    started = _latest_regimen_start(patient, today)
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
                **{k: str(EFFECT_LABELS[k]) for k in SIDE_EFFECT_ITEMS},
                "dose": str(_("Dose (mg)")),
            },
            "axes": {
                "score": str(_("Score (0 to 10)")),
                "severity": str(_("Severity")),
                "dose": str(_("Dose (mg)")),
            },
            "severities": [str(label) for _value, label in Severity.choices],
        },
        reported_tags=reported_tags(entries.values()),
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
        scores = list(
            DiaryEntry.objects.filter(patient=patient)
            .filter(
                Q(local_date__gte=baseline[0], local_date__lte=baseline[1])
                | Q(local_date__gte=recent[0], local_date__lte=recent[1])
            )
            .values("local_date", *SCORES)
        )
        for measure in SCORES:
            comparison = trends.compare(
                scores={s["local_date"]: s[measure] for s in scores},
                regimen_started_on=started,
                today=today,
                baseline_days=ldn["TRENDS_BASELINE_DAYS"],
                recent_days=ldn["TRENDS_RECENT_DAYS"],
                min_days=ldn["TRENDS_MIN_DAYS"],
            )
            result.summaries.append(_summary(measure, comparison))
            if measure == "pain":
                result.pain = _pain_verdict(comparison)
        result.baseline_window, result.recent_window = baseline, recent
    return result
