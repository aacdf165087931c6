"""Tonight's dose: one reminder a day while a regimen is active and nothing stands in the way of
LDN, at the dose reminder time (on the days an opioid, its washout or an approved pause
stands in the way, regimens/reminders/pause.py reminds the patient not to take it).

The in-app text names the dose in the patient's formulation, read at send time through
regimens.selectors.tonight_for. The key is the local date, so a time that happens twice
when clocks fall back still sends once.
"""

from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.lib.timing import local_date, local_to_utc
from portal.notifications.models import Kind
from portal.notifications.services import Message, PlannedReminder
from regimens.models import DoseLog, DoseTime
from regimens.reminders import dose_reminder_time, dose_sentence
from regimens.reminders.pause import moment_on
from regimens.reminders.pause import statuses as pause_statuses
from regimens.selectors.regimens import current_regimen, tonight_for


def _patient(user):
    return getattr(user, "patient", None) if user.is_patient else None


def plan(*, user, prefs, now, until):
    patient = _patient(user)
    regimen = current_regimen(patient=patient) if patient else None
    if regimen is None or not regimen.is_active or regimen.current_step is None:
        return []
    at = dose_reminder_time(patient=patient, regimen=regimen, prefs=prefs)
    first = max(local_date(now, user.timezone), regimen.current_step.started_on)
    last = local_date(until, user.timezone)
    statuses = pause_statuses(patient, first, last) if first <= last else {}
    reminders = []
    day = first
    while day <= last:
        if moment_on(regimen, statuses[day], day) is not None:
            day += timedelta(days=1)
            continue  # no LDN, or the last dose before a pause: the pause reminder says so
        reminders.append(
            PlannedReminder(
                kind=Kind.DOSE,
                due_at=local_to_utc(day, at, user.timezone),
                key=f"dose:{user.pk}:{day.isoformat()}",
                context={"date": day.isoformat()},
            )
        )
        day += timedelta(days=1)
    return reminders


def compose(notification):
    patient = _patient(notification.recipient)
    if patient is None:
        return None
    day = date.fromisoformat(notification.context["date"])
    tonight = tonight_for(patient=patient, today=day)
    if tonight is None or not tonight.take_tonight or tonight.last_dose_tonight:
        return None  # stopped, paused, not started, or no LDN tonight: nothing to take
    if DoseLog.objects.filter(
        regimen=tonight.regimen, on=day, status=DoseLog.Status.TAKEN
    ).exists():
        return None  # already marked taken
    dose = dose_sentence(tonight.regimen, tonight.step.dose_mg)
    if tonight.regimen.dose_time == DoseTime.MORNING:
        title, body = _("This morning's LDN dose"), _("This morning: %(dose)s.") % {"dose": dose}
    else:
        title, body = _("Tonight's LDN dose"), _("Tonight: %(dose)s.") % {"dose": dose}
    return Message(title=title, body=body, link=reverse("tonight"))
