"""The private iCalendar feed: dose changes and the days without LDN (an opioid taken with
its last day known and its washout, an approved pause and its restart) as all-day events,
check-ins at their time in the patient's zone. No dose change is shown on a day LDN must not
be taken.

Whoever holds the address can read the feed, so an event says "LDN dose change" and nothing
more unless the patient chose to include the details (CalendarFeed.include_dose).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from patients.models import Patient
from patients.selectors.checkins import open_checkins_of
from portal.lib.formats import when
from portal.lib.timing import local_date
from regimens import opioids
from regimens.selectors.opioids import (
    approved_pauses,
    opioid_status_for,
    opioid_statuses_between,
)
from regimens.selectors.regimens import describe, upcoming_steps

PRODID = "-//LDN Portal//Dose calendar//EN"
# Recent changes stay in the calendar for a while after their day.
PAST_DAYS = 14


@dataclass(frozen=True)
class CalendarItem:
    uid: str  # unique and stable for the same thing, e.g. "ldn-step-12@portal.example.org"
    day: date  # an all-day event from this local date ...
    title: str
    description: str = ""
    last_day: date | None = None  # ... to this one (inclusive); None: that day only
    starts_at: datetime | None = None  # a timed event instead, at this instant
    minutes: int = 30  # how long a timed event lasts


def _uid(kind: str, pk: int) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "ldn-portal.invalid"
    return f"ldn-{kind}-{pk}@{host}"


def step_events(*, patient: Patient, today: date, include_details: bool) -> list[CalendarItem]:
    """One event on the first day of each dose, from PAST_DAYS ago onwards; none from today
    on for a day the opioid status is not clear (inside a "No LDN" period, the step waits
    for the restart). A change already made stays in the calendar."""
    items = []
    steps = upcoming_steps(patient=patient, since=today - timedelta(days=PAST_DAYS))
    days = [step.starts_on for _regimen, step in steps if step.starts_on >= today]
    statuses = (
        opioid_statuses_between(patient=patient, first=min(days), last=max(days)) if days else {}
    )
    for regimen, step in steps:
        if step.starts_on in statuses and not statuses[step.starts_on].is_clear:
            continue
        title = _("LDN dose change")
        description = _("Open the LDN Portal to see what to take.")
        if include_details:
            line = describe(regimen, step.dose_mg)
            title = _("LDN dose change: %(line)s") % {"line": line}
            description = _("From this day: %(line)s, %(time)s.") % {
                "line": line,
                "time": step.get_dose_time_display().lower(),
            }
        items.append(
            CalendarItem(
                uid=_uid("step", step.pk), day=step.starts_on, title=title, description=description
            )
        )
    return items


def checkin_events(*, patient: Patient, today: date, include_details: bool) -> list[CalendarItem]:
    """One event on the day of each open check-in (booked, confirmed or being moved), in the
    patient's local date; "LDN check-in" unless the patient chose details."""
    zone = patient.user.timezone
    items = []
    for checkin in open_checkins_of(patient=patient):
        day = local_date(checkin.starts_at, zone)
        if day < today - timedelta(days=PAST_DAYS):
            continue
        title, description = _("LDN check-in"), _("Open the LDN Portal to see the time.")
        if include_details:
            title = _("LDN check-in: %(kind)s") % {"kind": checkin.get_kind_display()}
            description = _("%(when)s with %(provider)s.") % {
                "when": when(checkin.starts_at, zone),
                "provider": checkin.provider,
            }
        items.append(
            CalendarItem(
                uid=_uid("checkin", checkin.pk),
                day=day,
                title=title,
                description=description,
                starts_at=checkin.starts_at.astimezone(ZoneInfo(zone)),
            )
        )
    return items


def pause_events(*, patient: Patient, today: date, include_details: bool) -> list[CalendarItem]:
    """The days without LDN (an approved pause, or an opioid taken or stopped whose washout's
    end is known), the last dose before an approved pause, and the restart the care team
    confirms."""
    status = opioid_status_for(patient=patient, today=today)
    items = []
    pauses = [p for p in approved_pauses(patient=patient) if p.restart_on >= today]
    for plan in pauses:
        detail = {"label": plan.label} if include_details else None
        items += [
            CalendarItem(
                uid=_uid("pause-last", plan.pk),
                day=plan.last_dose_on,
                title=_("Last LDN dose before the pause: %(label)s") % detail
                if detail
                else _("Last LDN dose before a pause"),
            ),
            CalendarItem(
                uid=_uid("pause", plan.pk),
                day=plan.pause_from,
                last_day=plan.restart_on - timedelta(days=1),
                title=_("No LDN: %(label)s") % detail if detail else _("No LDN"),
                description=_("Do not take LDN on these days."),
            ),
            CalendarItem(
                uid=_uid("restart", plan.pk),
                day=plan.restart_on,
                title=_("LDN restart: your care team confirms it"),
            ),
        ]
    if status.state in (opioids.ACTIVE, opioids.WASHOUT) and status.pause is None and status.until:
        # An opioid taken with its last day known (a short course) or stopped: no LDN until
        # its washout is over. One event, the same from one state to the next.
        key = status.until.toordinal()
        if status.state == opioids.ACTIVE:
            starts = [o.started_on for o in status.opioids]
            first = min(starts) if None not in starts else today
            title = _("No LDN: opioid and its washout")
        else:
            first = min(o.stopped_on for o in status.opioids) + timedelta(days=1)
            title = _("No LDN: opioid washout")
        items += [
            CalendarItem(
                uid=_uid("washout", key),
                day=first,
                last_day=status.until - timedelta(days=1),
                title=title if include_details else _("No LDN"),
                description=_("Do not take LDN on these days."),
            ),
            CalendarItem(
                uid=_uid("washout-restart", key),
                day=status.until,
                title=_("LDN restart: your care team confirms it"),
            ),
        ]
    return items


# Every source of feed events; a new kind of event adds its function here.
EVENT_SOURCES: tuple[Callable[..., list[CalendarItem]], ...] = (
    step_events,
    checkin_events,
    pause_events,
)


def feed_ics(*, patient: Patient, include_details: bool, today: date, now: datetime) -> bytes:
    """The feed as an iCalendar (RFC 5545) document."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("LDN"))
    for source in EVENT_SOURCES:
        for item in source(patient=patient, today=today, include_details=include_details):
            event = Event()
            event.add("uid", item.uid)
            event.add("dtstamp", now)
            if item.starts_at is not None:
                event.add("dtstart", item.starts_at)
                event.add("dtend", item.starts_at + timedelta(minutes=item.minutes))
            else:
                event.add("dtstart", item.day)
                event.add("dtend", (item.last_day or item.day) + timedelta(days=1))
            event.add("summary", item.title)
            if item.description:
                event.add("description", item.description)
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
