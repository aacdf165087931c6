"""Opioids and LDN: a patient's opioid status on a day, and the plan for pausing LDN around a
procedure or a short opioid course.

Pure: plain values in, a status or a plan with reasons out. No ORM, no clock (`today` is
passed in), no settings (the days are passed in). Naltrexone blocks opioids: while an opioid
is taken, during the washout after it, and during an approved pause, the status is not
clear and nothing may tell the patient to take LDN. The rules and their sources:
docs/clinical-rules.md §2.11 (the status), §2.5 (the washout), §2.8 (procedures and courses).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patients.rules.medications import opioid_blocks, washout_ends
from portal.lib.formats import day

CLEAR, ACTIVE, WASHOUT, PLANNED = "clear", "active", "washout", "planned"
PROCEDURE, COURSE = "procedure", "course"


@dataclass(frozen=True)
class Opioid:
    """An opioid on the medication list that blocks LDN (loperamide only warns: not here)."""

    name: str
    started_on: date | None
    stopped_on: date | None  # None while it is taken
    washout_days: int
    medication_id: int | None = None

    def washout_ends(self) -> date | None:
        """The first day LDN may be taken again; None while the opioid is taken."""
        return washout_ends(self.stopped_on, self.washout_days)

    def blocks(self, today: date) -> bool:
        return opioid_blocks(
            started_on=self.started_on,
            stopped_on=self.stopped_on,
            washout_days=self.washout_days,
            today=today,
        )

    def taken_on(self, today: date) -> bool:
        """Taken on `today`: started, and not stopped before it (the stop date is the last
        day it was taken)."""
        started = self.started_on is None or self.started_on <= today
        return started and (self.stopped_on is None or today <= self.stopped_on)


@dataclass(frozen=True)
class Pause:
    """An approved pause of LDN: from `pause_from` (the first day without LDN) until
    `restart_on` (the first day LDN may be taken again, once the care team confirms)."""

    kind: str  # PROCEDURE or COURSE
    label: str  # "knee surgery on 3 Dec 2026", "codeine from 1 Dec to 3 Dec 2026"
    last_dose_on: date
    pause_from: date
    restart_on: date
    plan_id: int | None = None


@dataclass(frozen=True)
class Status:
    state: str  # CLEAR, ACTIVE, WASHOUT or PLANNED
    until: date | None  # the first day LDN may be taken again; None when not known yet
    opioids: tuple[Opioid, ...] = ()  # the opioids behind ACTIVE or WASHOUT
    pause: Pause | None = None  # the plan behind PLANNED (or the next one, when CLEAR)
    reason: str = ""  # plain words for the patient and the care team

    @property
    def is_clear(self) -> bool:
        return self.state == CLEAR

    def last_dose_tonight(self, today: date) -> bool:
        """Tonight is the last LDN dose before an approved pause."""
        return self.is_clear and self.pause is not None and self.pause.last_dose_on == today


def opioid_status(*, opioids: list[Opioid], pauses: list[Pause], today: date) -> Status:
    """The patient's opioid status on `today`: ACTIVE while a blocking opioid is taken,
    WASHOUT until its washout ends, PLANNED during an approved pause, CLEAR otherwise.

    The first that applies wins, and `until` is the latest day any of them lets LDN back
    (unknown while an opioid is still taken)."""
    taken = tuple(o for o in opioids if o.blocks(today) and o.taken_on(today))
    waiting = tuple(o for o in opioids if o.blocks(today) and not o.taken_on(today))
    current = [p for p in pauses if p.pause_from <= today < p.restart_on]
    pause = max(current, key=lambda p: p.restart_on) if current else None
    if taken:
        names = ", ".join(o.name for o in taken)
        # Known once every opioid taken now has its last day on the list.
        ends = [o.washout_ends() for o in (*taken, *waiting)]
        if pause is not None:
            ends.append(pause.restart_on)
        until = None if None in ends else max(ends)
        if until is None:
            reason = _(
                "%(names)s is an opioid, and naltrexone blocks opioids: no LDN while it is "
                "taken, nor for the days of its washout after the last dose."
            ) % {"names": names}
        else:
            reason = _(
                "%(names)s is an opioid, and naltrexone blocks opioids: no LDN while it is "
                "taken, nor after it until %(until)s, when its washout is over."
            ) % {"names": names, "until": day(until)}
        return Status(state=ACTIVE, until=until, opioids=taken, pause=pause, reason=reason)
    ends = [o.washout_ends() for o in waiting]
    if pause is not None:
        ends.append(pause.restart_on)
    until = max(ends) if ends else None
    if waiting:
        last = max(waiting, key=lambda o: o.washout_ends())
        return Status(
            state=WASHOUT,
            until=until,
            opioids=waiting,
            pause=pause,
            reason=ngettext(
                "%(name)s was stopped on %(stopped)s: LDN waits %(days)d day after an opioid, "
                "until %(until)s.",
                "%(name)s was stopped on %(stopped)s: LDN waits %(days)d days after an "
                "opioid, until %(until)s.",
                last.washout_days,
            )
            % {
                "name": last.name,
                "stopped": day(last.stopped_on),
                "days": last.washout_days,
                "until": day(until),
            },
        )
    if pause is not None:
        return Status(
            state=PLANNED,
            until=until,
            pause=pause,
            reason=_(
                "LDN is paused for %(label)s, as planned with your care team, until %(until)s."
            )
            % {"label": pause.label, "until": day(until)},
        )
    upcoming = sorted((p for p in pauses if p.last_dose_on >= today), key=lambda p: p.pause_from)
    return Status(state=CLEAR, until=None, pause=upcoming[0] if upcoming else None)


def next_change(*, opioids: list[Opioid], pauses: list[Pause], today: date) -> date | None:
    """The first day after `today` on which the status (or the last-dose evening) may read
    differently: an opioid starts, its last day passes, its washout ends, a pause's last
    dose, first day or restart comes."""
    days = []
    for opioid in opioids:
        days += [opioid.started_on, opioid.washout_ends()]
        if opioid.stopped_on is not None:
            days.append(opioid.stopped_on + timedelta(days=1))
    for pause in pauses:
        days += [pause.last_dose_on, pause.last_dose_on + timedelta(days=1), pause.restart_on]
    later = [d for d in days if d is not None and d > today]
    return min(later) if later else None


def stopped_since(
    *, opioids: list[Opioid], pauses: list[Pause], today: date, earliest: date
) -> date | None:
    """The first day of the run of days without LDN that ended yesterday (not before
    `earliest`), or None when yesterday LDN could be taken. An opioid with no start date
    counts from `earliest`. The restart after it is the care team's decision, and how long
    the break was decides the dose (resume_dose)."""
    day = today - timedelta(days=1)
    if day < earliest or opioid_status(opioids=opioids, pauses=pauses, today=day).is_clear:
        return None
    while day > earliest:
        before = day - timedelta(days=1)
        if opioid_status(opioids=opioids, pauses=pauses, today=before).is_clear:
            break
        day = before
    return day


@dataclass(frozen=True)
class Proposal:
    """The dates of a planned pause, from the rules."""

    last_dose_on: date  # the last LDN dose before it
    pause_from: date  # the first day without LDN
    restart_on: date  # the earliest day LDN may be taken again
    same_dose: bool  # restart at the old dose (a short break) or titrate again from the start
    reasons: tuple[str, ...]

    @property
    def break_days(self) -> int:
        return (self.restart_on - self.pause_from).days


def propose_pause(
    *,
    kind: str,
    stop_before_days: int,
    washout_days: int,
    same_dose_max_break_days: int,
    procedure_on: date | None = None,
    opioids_after: bool = False,
    last_opioid_on: date | None = None,
    course_starts_on: date | None = None,
    course_ends_on: date | None = None,
) -> Proposal:
    """When to stop and restart LDN around a procedure or a short opioid course.

    A procedure: the last dose at least `stop_before_days` before it (LDN Research Trust:
    2-3 days); LDN again the day after it, or, when opioids are expected afterwards, once the
    washout after the last opioid day has ended (`washout_ends`, the same count as the
    medication list). A short opioid course: the last dose the evening before the first
    opioid [design]; LDN again once the washout after the course's last day has ended.
    Restart at the old dose after a break of up to `same_dose_max_break_days`, else titrate
    again from the protocol's start (LDN Research Trust; docs/clinical-rules.md §2.8)."""
    if kind == PROCEDURE:
        last_dose = procedure_on - timedelta(days=stop_before_days)
        pause_from = last_dose + timedelta(days=1)
        if opioids_after:
            last_opioid = max(last_opioid_on or procedure_on, procedure_on)
            restart = washout_ends(last_opioid, washout_days)
            reasons = [
                _("Last LDN dose on %(last)s, %(days)d days before the procedure.")
                % {"last": day(last_dose), "days": stop_before_days},
                ngettext(
                    "No LDN while opioids are taken after it (until %(end)s), nor until "
                    "%(days)d day after the last opioid.",
                    "No LDN while opioids are taken after it (until %(end)s), nor until "
                    "%(days)d days after the last opioid.",
                    washout_days,
                )
                % {"end": day(last_opioid), "days": washout_days},
            ]
        else:
            restart = procedure_on + timedelta(days=1)
            reasons = [
                _("Last LDN dose on %(last)s, %(days)d days before the procedure.")
                % {"last": day(last_dose), "days": stop_before_days},
                _("No opioids are expected afterwards: LDN again from the day after it."),
            ]
    elif kind == COURSE:
        pause_from = course_starts_on
        last_dose = pause_from - timedelta(days=1)
        restart = washout_ends(course_ends_on, washout_days)
        reasons = [
            _("Last LDN dose on %(last)s, the evening before the first opioid dose.")
            % {"last": day(last_dose)},
            ngettext(
                "No LDN while the opioid is taken (until %(end)s), nor until %(days)d day "
                "after the last opioid dose.",
                "No LDN while the opioid is taken (until %(end)s), nor until %(days)d days "
                "after the last opioid dose.",
                washout_days,
            )
            % {"end": day(course_ends_on), "days": washout_days},
        ]
    else:
        raise ValueError(f"unknown kind {kind!r}")
    same_dose = (restart - pause_from).days <= same_dose_max_break_days
    if same_dose:
        reasons.append(
            _("Restart at the same dose on %(day)s: a break of up to %(max)d days.")
            % {"day": day(restart), "max": same_dose_max_break_days}
        )
    else:
        reasons.append(
            _(
                "Restart on %(day)s from the protocol's first dose: after a break of more "
                "than %(max)d days the dose is built up again."
            )
            % {"day": day(restart), "max": same_dose_max_break_days}
        )
    return Proposal(
        last_dose_on=last_dose,
        pause_from=pause_from,
        restart_on=restart,
        same_dose=same_dose,
        reasons=tuple(reasons),
    )
