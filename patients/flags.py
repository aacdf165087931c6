"""The diary's flag rules: given what the diary and the dose log say, which flags should be
open for a patient today, each with its reason.

Pure: plain values in, flags out. No ORM, no clock (``today`` is in the facts), no settings
(the thresholds are passed in; patients.diary_services reads them from settings.LDN).
patients.diary_services.flags_evaluate turns the result into Flag rows.

Sources (CLINICAL.md section 5, "[design] Diary items and alert thresholds"): alert on any
side-effect item >=7/10 (severe here) or >=4/10 (moderate here) lasting more than 3-5 days
after a dose step; hyperthyroid symptoms suggest thyroid tests. Silent diaries and missed
doses are [design].
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

NONE, MILD, MODERATE, SEVERE = 0, 1, 2, 3

# The values of patients.models.Flag.Kind and Flag.Severity (a test keeps them equal).
SEVERE_SIDE_EFFECT = "severe_side_effect"
LASTING_SIDE_EFFECT = "lasting_side_effect"
SILENT_DIARY = "silent_diary"
MISSED_DOSES = "missed_doses"
THYROID_SYMPTOMS = "thyroid_symptoms"
INFO, ATTENTION, URGENT = 10, 20, 30

KINDS = (SEVERE_SIDE_EFFECT, LASTING_SIDE_EFFECT, SILENT_DIARY, MISSED_DOSES, THYROID_SYMPTOMS)

SIDE_EFFECT_ITEMS = ("vivid_dreams", "insomnia", "headache", "nausea", "other_effect")
THYROID_ITEMS = ("palpitations", "tremor", "heat_intolerance", "anxiety")
ITEMS = SIDE_EFFECT_ITEMS + THYROID_ITEMS

ITEM_LABELS = {
    "vivid_dreams": gettext_lazy("vivid dreams or nightmares"),
    "insomnia": gettext_lazy("trouble sleeping"),
    "headache": gettext_lazy("headache"),
    "nausea": gettext_lazy("nausea or stomach upset"),
    "other_effect": gettext_lazy("another side effect"),
    "palpitations": gettext_lazy("palpitations"),
    "tremor": gettext_lazy("tremor"),
    "heat_intolerance": gettext_lazy("feeling too hot"),
    "anxiety": gettext_lazy("anxiety"),
}
SEVERITY_LABELS = {
    MILD: gettext_lazy("mild"),
    MODERATE: gettext_lazy("moderate"),
    SEVERE: gettext_lazy("severe"),
}


@dataclass(frozen=True)
class Thresholds:
    severe: int = SEVERE  # any item at or above it: a severe side effect
    lasting: int = MODERATE  # an item at or above it ...
    lasting_days: int = 3  # ... for more than this many days after a step up
    thyroid: int = MODERATE  # any thyroid item at or above it, for a thyroid patient
    silent_days: int = 7  # full days without an entry, today not counted
    missed_doses: int = 3  # this many missed doses ...
    missed_window_days: int = 7  # ... within this many days
    lookback_days: int = 14  # diary days the rules look at

    def __post_init__(self):
        for name in ("severe", "lasting", "thyroid"):
            if getattr(self, name) not in (MILD, MODERATE, SEVERE):
                raise ValueError(f"{name} must be MILD, MODERATE or SEVERE")
        for name in ("lasting_days", "silent_days", "missed_doses", "missed_window_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.lookback_days < 1:
            raise ValueError("lookback_days must be at least 1")


@dataclass(frozen=True)
class DiaryDay:
    """One diary entry: the day and the items answered (item -> NONE..SEVERE)."""

    day: date
    severities: Mapping[str, int] = field(default_factory=dict)
    other_text: str = ""

    def __post_init__(self):
        for item, value in self.severities.items():
            if item not in ITEMS:
                raise ValueError(f"unknown item {item!r}")
            if value not in (NONE, MILD, MODERATE, SEVERE):
                raise ValueError("severities are NONE, MILD, MODERATE or SEVERE")


@dataclass(frozen=True)
class Facts:
    today: date
    # Diary entries from at least today - lookback_days (and from step_up_on when it is
    # earlier), in any order. Entries after today are ignored.
    days: Sequence[DiaryDay]
    # The latest entry ever written (may be older than `days` reach), or None.
    last_entry_on: date | None
    # The first day of an active regimen, or None when no regimen is active.
    regimen_started_on: date | None
    # The first day of the current dose when it was a step up (the start counts), else None.
    step_up_on: date | None
    missed_dose_days: Sequence[date] = ()
    thyroid_patient: bool = False


@dataclass(frozen=True)
class RaisedFlag:
    kind: str
    severity: int
    cause: str  # one open flag per patient, kind and cause, e.g. "diary:severe:2026-11-03:headache"
    reason: str
    evidence_on: date  # the day the flag is about


def evaluate(facts: Facts, thresholds: Thresholds) -> list[RaisedFlag]:
    """Every flag the facts call for today. The rules, each independent:

    1. Severe side effect (urgent): any item rated ``severe`` or worse on a diary day in the
       lookback. One flag per day and item: "diary:severe:<day>:<item>".
    2. Lasting side effect (attention): since the current dose began, when it was a step up,
       an item at ``lasting`` or worse from a first to a last day more than ``lasting_days``
       apart, with no day in between rated lower (days without an entry do not break it).
       "diary:lasting:<step day>:<item>".
    3. Thyroid symptoms (attention): for a patient with a thyroid condition or on thyroid
       hormone, any thyroid item at ``thyroid`` or worse on a day. "diary:thyroid:<day>".
    4. Silent diary (info): more than ``silent_days`` full days without an entry, today not
       counted, for a patient on an active regimen or who kept a diary before. Counted from
       the last entry, or from the regimen's start for someone who never wrote.
       "diary:silent:<first silent day>".
    5. Missed doses (attention): ``missed_doses`` or more dose-log days marked missed within
       the last ``missed_window_days`` days (today included). "doses:missed:<latest day>".
    """
    today = facts.today
    first = today - timedelta(days=thresholds.lookback_days)
    recent = sorted((d for d in facts.days if first <= d.day <= today), key=lambda d: d.day)
    flags = [
        *_severe(recent, thresholds),
        *_lasting(facts, thresholds),
        *_thyroid(recent, facts, thresholds),
        *_silent(facts, thresholds),
        *_missed(facts, thresholds),
    ]
    return flags


def clears(
    *, kind: str, cause: str, raised: Sequence[RaisedFlag], facts: Facts, thresholds: Thresholds
) -> bool:
    """Whether an open flag of `kind` and `cause` has cleared, so the service may close it
    without a review. Only what the rules can see again is cleared: a silent diary once the
    patient writes (or the regimen ends), and a diary flag whose entry, still inside the
    lookback, no longer shows it (the patient corrected it). Missed doses stay open until a
    provider reviews them."""
    if any(f.kind == kind and f.cause == cause for f in raised):
        return False
    if kind == SILENT_DIARY:
        return True
    if kind in (SEVERE_SIDE_EFFECT, THYROID_SYMPTOMS):
        day = _cause_day(cause)
        return day is not None and facts.today - timedelta(days=thresholds.lookback_days) <= day
    if kind == LASTING_SIDE_EFFECT:
        return facts.step_up_on is not None and _cause_day(cause) == facts.step_up_on
    return False


# The rules -------------------------------------------------------------------------------------


def _severe(days: Sequence[DiaryDay], thresholds: Thresholds) -> list[RaisedFlag]:
    flags = []
    for diary_day in days:
        for item in ITEMS:
            value = diary_day.severities.get(item)
            if value is not None and value >= thresholds.severe:
                flags.append(
                    RaisedFlag(
                        kind=SEVERE_SIDE_EFFECT,
                        severity=URGENT,
                        cause=f"diary:severe:{diary_day.day.isoformat()}:{item}",
                        reason=_(
                            "%(severity)s %(item)s in the diary for %(day)s: consider holding "
                            "or stepping back the dose."
                        )
                        % {
                            "severity": str(SEVERITY_LABELS[value]).capitalize(),
                            "item": _item(item, diary_day),
                            "day": _day(diary_day.day),
                        },
                        evidence_on=diary_day.day,
                    )
                )
    return flags


def _lasting(facts: Facts, thresholds: Thresholds) -> list[RaisedFlag]:
    step_on = facts.step_up_on
    if step_on is None:
        return []
    since = sorted((d for d in facts.days if step_on <= d.day <= facts.today), key=lambda d: d.day)
    flags = []
    for item in ITEMS:
        run_start = run_end = None
        longest = None  # (start, end, worst)
        worst = NONE
        for diary_day in since:
            value = diary_day.severities.get(item)
            if value is None:
                continue  # not answered: neither extends nor breaks the run
            if value >= thresholds.lasting:
                if run_start is None:
                    run_start, worst = diary_day.day, value
                run_end, worst = diary_day.day, max(worst, value)
                if (run_end - run_start).days + 1 > thresholds.lasting_days and (
                    longest is None or run_end > longest[1]
                ):
                    longest = (run_start, run_end, worst)
            else:
                run_start = run_end = None
        if longest is None:
            continue
        start, end, worst = longest
        days = (end - start).days + 1
        flags.append(
            RaisedFlag(
                kind=LASTING_SIDE_EFFECT,
                severity=ATTENTION,
                cause=f"diary:lasting:{step_on.isoformat()}:{item}",
                reason=ngettext(
                    "%(severity)s or worse %(item)s from %(start)s to %(end)s (%(days)d day) "
                    "since the dose went up on %(step)s. Consider holding or stepping back.",
                    "%(severity)s or worse %(item)s from %(start)s to %(end)s (%(days)d days) "
                    "since the dose went up on %(step)s. Consider holding or stepping back.",
                    days,
                )
                % {
                    "severity": str(SEVERITY_LABELS[thresholds.lasting]).capitalize(),
                    "item": ITEM_LABELS[item],
                    "start": _day(start),
                    "end": _day(end),
                    "days": days,
                    "step": _day(step_on),
                },
                evidence_on=end,
            )
        )
    return flags


def _thyroid(days: Sequence[DiaryDay], facts: Facts, thresholds: Thresholds) -> list[RaisedFlag]:
    if not facts.thyroid_patient:
        return []
    flags = []
    for diary_day in days:
        found = [
            (item, diary_day.severities[item])
            for item in THYROID_ITEMS
            if diary_day.severities.get(item) is not None
            and diary_day.severities[item] >= thresholds.thyroid
        ]
        if not found:
            continue
        symptoms = ", ".join(
            f"{ITEM_LABELS[item]} ({SEVERITY_LABELS[value]})" for item, value in found
        )
        flags.append(
            RaisedFlag(
                kind=THYROID_SYMPTOMS,
                severity=ATTENTION,
                cause=f"diary:thyroid:{diary_day.day.isoformat()}",
                reason=_(
                    "%(symptoms)s on %(day)s, in a patient with a thyroid condition or on "
                    "thyroid hormone. These can be signs of too much thyroid hormone as LDN "
                    "takes effect: consider thyroid tests."
                )
                % {"symptoms": symptoms[:1].upper() + symptoms[1:], "day": _day(diary_day.day)},
                evidence_on=diary_day.day,
            )
        )
    return flags


def _silent(facts: Facts, thresholds: Thresholds) -> list[RaisedFlag]:
    if facts.last_entry_on is not None:
        first_silent = facts.last_entry_on + timedelta(days=1)
    elif facts.regimen_started_on is not None:
        first_silent = facts.regimen_started_on
    else:
        return []  # no regimen and never wrote: nobody expects a diary
    silent_days = (facts.today - first_silent).days  # full days, today not counted
    if silent_days < thresholds.silent_days:
        return []
    if facts.last_entry_on is not None:
        reason = ngettext(
            "No diary entry for %(days)d day: the last one is from %(day)s.",
            "No diary entry for %(days)d days: the last one is from %(day)s.",
            silent_days,
        ) % {"days": silent_days, "day": _day(facts.last_entry_on)}
    else:
        reason = ngettext(
            "No diary entry in the %(days)d day since the regimen started on %(day)s.",
            "No diary entry in the %(days)d days since the regimen started on %(day)s.",
            silent_days,
        ) % {"days": silent_days, "day": _day(first_silent)}
    return [
        RaisedFlag(
            kind=SILENT_DIARY,
            severity=INFO,
            cause=f"diary:silent:{first_silent.isoformat()}",
            reason=reason,
            evidence_on=first_silent,
        )
    ]


def _missed(facts: Facts, thresholds: Thresholds) -> list[RaisedFlag]:
    first = facts.today - timedelta(days=thresholds.missed_window_days - 1)
    missed = sorted({d for d in facts.missed_dose_days if first <= d <= facts.today})
    if len(missed) < thresholds.missed_doses:
        return []
    latest = missed[-1]
    return [
        RaisedFlag(
            kind=MISSED_DOSES,
            severity=ATTENTION,
            cause=f"doses:missed:{latest.isoformat()}",
            reason=_("%(count)d doses missed in the %(window)d days to %(day)s: %(days)s.")
            % {
                "count": len(missed),
                "window": thresholds.missed_window_days,
                "day": _day(facts.today),
                "days": ", ".join(format_date(d, "j M") for d in missed),
            },
            evidence_on=latest,
        )
    ]


# Helpers ----------------------------------------------------------------------------------------


def _day(value: date) -> str:
    return format_date(value, "j M Y")


def _item(item: str, diary_day: DiaryDay) -> str:
    if item == "other_effect" and diary_day.other_text:
        return _("side effect: %(text)s") % {"text": diary_day.other_text[:60]}
    return str(ITEM_LABELS[item])


def _cause_day(cause: str) -> date | None:
    """The day in a cause such as "diary:severe:2026-11-03:headache"."""
    parts = cause.split(":")
    if len(parts) < 3:
        return None
    try:
        return date.fromisoformat(parts[2])
    except ValueError:
        return None
