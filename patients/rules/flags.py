"""The flag rules: given the patient's side effects (from every source: the diary, Tonight and
the care team, read through patients.selectors.side_effects) and dose log, which flags
should be open today, each with its reason.

Pure: plain values in, flags out. No ORM, no clock (``today`` is in the facts), no settings
(the thresholds are passed in; patients.services.flags reads them from settings.LDN and
turns the result into Flag rows).

Thresholds and their sources: docs/clinical-rules.md §6.1.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from patients.rules import side_effects as catalogue
from patients.rules.side_effects import MILD, MODERATE, NONE, SEVERE
from portal.lib.formats import day as _day
from portal.lib.formats import short_day

# The values of patients.models.Flag.Kind and Flag.Severity (a test keeps them equal).
SEVERE_SIDE_EFFECT = "severe_side_effect"
LASTING_SIDE_EFFECT = "lasting_side_effect"
SILENT_DIARY = "silent_diary"
MISSED_DOSES = "missed_doses"
THYROID_SYMPTOMS = "thyroid_symptoms"
INFO, ATTENTION, URGENT = 10, 20, 30

KINDS = (SEVERE_SIDE_EFFECT, LASTING_SIDE_EFFECT, SILENT_DIARY, MISSED_DOSES, THYROID_SYMPTOMS)

# Where a side effect was reported (patients.selectors.side_effects).
# CAREGIVER: in the diary or on Tonight, entered by a caregiver on the patient's behalf.
DIARY, TONIGHT, CARE_TEAM, CAREGIVER = "diary", "tonight", "care_team", "caregiver"
SOURCE_PHRASES = {
    DIARY: gettext_lazy("in the diary"),
    TONIGHT: gettext_lazy("reported on Tonight"),
    CARE_TEAM: gettext_lazy("recorded by the care team"),
    CAREGIVER: gettext_lazy("entered by a caregiver"),
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
    """One day's side effects: item key (the catalogue's) -> NONE..SEVERE, the worst of every
    source that day, and where that worst rating came from (DIARY when not given)."""

    day: date
    severities: Mapping[str, int] = field(default_factory=dict)
    other_text: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        for item, value in self.severities.items():
            if item not in catalogue.BY_KEY:
                raise ValueError(f"unknown item {item!r}")
            if value not in (NONE, MILD, MODERATE, SEVERE):
                raise ValueError("severities are NONE, MILD, MODERATE or SEVERE")

    def source(self, item: str) -> str:
        return self.sources.get(item, DIARY)


@dataclass(frozen=True)
class Facts:
    today: date
    # Days with side effects (every source) from at least today - lookback_days (and from
    # step_up_on when it is earlier), in any order. Days after today are ignored.
    days: Sequence[DiaryDay]
    # The latest diary entry ever written (may be older than `days` reach), or None.
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

    1. Severe side effect (urgent): any item rated ``severe`` or worse on a day in the
       lookback, whoever reported it. One flag per day and item: "diary:severe:<day>:<item>".
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
        for item in catalogue.ITEMS:
            value = diary_day.severities.get(item.key)
            if value is not None and value >= thresholds.severe:
                flags.append(
                    RaisedFlag(
                        kind=SEVERE_SIDE_EFFECT,
                        severity=URGENT,
                        cause=_cause("severe", diary_day.day, item),
                        reason=_(
                            "%(severity)s %(item)s on %(day)s (%(source)s): consider holding "
                            "or stepping back the dose."
                        )
                        % {
                            "severity": str(SEVERITY_LABELS[value]).capitalize(),
                            "item": catalogue.phrase(item.key, diary_day.other_text),
                            "day": _day(diary_day.day),
                            "source": SOURCE_PHRASES[diary_day.source(item.key)],
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
    for entry in catalogue.ITEMS:
        item = entry.key
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
                cause=_cause("lasting", step_on, entry),
                reason=ngettext(
                    "%(severity)s or worse %(item)s from %(start)s to %(end)s (%(days)d day) "
                    "since the dose went up on %(step)s. Consider holding or stepping back.",
                    "%(severity)s or worse %(item)s from %(start)s to %(end)s (%(days)d days) "
                    "since the dose went up on %(step)s. Consider holding or stepping back.",
                    days,
                )
                % {
                    "severity": str(SEVERITY_LABELS[thresholds.lasting]).capitalize(),
                    "item": entry.phrase,
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
            (item, diary_day.severities[item.key])
            for item in catalogue.THYROID_ITEMS
            if diary_day.severities.get(item.key) is not None
            and diary_day.severities[item.key] >= thresholds.thyroid
        ]
        if not found:
            continue
        symptoms = ", ".join(f"{item.phrase} ({SEVERITY_LABELS[value]})" for item, value in found)
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
                "days": ", ".join(short_day(d) for d in missed),
            },
            evidence_on=latest,
        )
    ]


# Helpers ----------------------------------------------------------------------------------------


def _cause(rule: str, day: date, item: catalogue.Item) -> str:
    """ "diary:severe:2026-11-03:headache". The prefix and the diary column's name are kept
    from the first version of these rules, so a cause a provider reviewed keeps matching
    (whatever the source of the side effect now)."""
    return f"diary:{rule}:{day.isoformat()}:{item.field}"


def _cause_day(cause: str) -> date | None:
    """The day in a cause such as "diary:severe:2026-11-03:headache"."""
    parts = cause.split(":")
    if len(parts) < 3:
        return None
    try:
        return date.fromisoformat(parts[2])
    except ValueError:
        return None
