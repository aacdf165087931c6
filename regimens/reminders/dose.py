"""Tonight's dose: one reminder a day while a regimen is active and nothing stands in the way of
LDN, at the dose reminder time (on the days an opioid, its washout or an approved pause
stands in the way, regimens/reminders/pause.py reminds the patient not to take it).

The in-app text names the dose in the patient's formulation, read at send time through
regimens.selectors.tonight_for. The key is the local date, so a time that happens twice
when clocks fall back still sends once.

A caregiver whose patient chose to send them the dose reminder gets it at the same moment
as the patient (the patient's dose time: the caregiver sees it in their own time zone),
checked at send time like the patient's, and only while the grant is open with the
reminder and the plan or diary permission.
"""

from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from patients.selectors.care import open_grants
from portal.lib.timing import local_date, local_to_utc
from portal.notifications.models import Kind
from portal.notifications.services import Message, PlannedReminder, preferences_for
from regimens.models import DoseLog, DoseTime
from regimens.reminders import dose_reminder_time, dose_sentence
from regimens.reminders.pause import moment_on
from regimens.selectors.opioids import opioid_statuses_between
from regimens.selectors.regimens import current_regimen, tonight_for


def _patient(user):
    return getattr(user, "patient", None) if user.is_patient else None


def plan(*, user, prefs, now, until):
    if user.is_caregiver:
        reminders = []
        for grant in open_grants(caregiver=user):
            if grant.reminds("dose"):
                patient = grant.patient
                reminders += _plan_for(
                    patient=patient,
                    prefs=preferences_for(patient.user),
                    now=now,
                    until=until,
                    key=f"dose:{user.pk}:p{patient.pk}",
                    extra={"patient": patient.pk},
                )
        return reminders
    patient = _patient(user)
    if patient is None:
        return []
    return _plan_for(
        patient=patient, prefs=prefs, now=now, until=until, key=f"dose:{user.pk}", extra={}
    )


def _plan_for(*, patient, prefs, now, until, key: str, extra: dict):
    """The patient's dose reminders, at the patient's dose time in the patient's zone."""
    zone = patient.user.timezone
    regimen = current_regimen(patient=patient)
    if regimen is None or not regimen.is_active or regimen.current_step is None:
        return []
    at = dose_reminder_time(patient=patient, regimen=regimen, prefs=prefs)
    first = max(local_date(now, zone), regimen.current_step.started_on)
    last = local_date(until, zone)
    statuses = (
        opioid_statuses_between(patient=patient, first=first, last=last) if first <= last else {}
    )
    reminders = []
    day = first
    while day <= last:
        if moment_on(regimen, statuses[day], day) is not None:
            day += timedelta(days=1)
            continue  # no LDN, or the last dose before a pause: the pause reminder says so
        reminders.append(
            PlannedReminder(
                kind=Kind.DOSE,
                due_at=local_to_utc(day, at, zone),
                key=f"{key}:{day.isoformat()}",
                context={"date": day.isoformat(), **extra},
            )
        )
        day += timedelta(days=1)
    return reminders


def compose(notification):
    if "patient" in notification.context:
        grant = (
            open_grants(caregiver=notification.recipient)
            .filter(patient_id=notification.context["patient"])
            .first()
        )
        if grant is None or not grant.reminds("dose"):
            return None  # access or the reminder ended since it was planned
        patient = grant.patient
    else:
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
    if "patient" in notification.context:
        # A caregiver: which of their patients is told on the caregiver's home, not here.
        return Message(
            title=_("An LDN dose is due"),
            body=_("Someone you care for has an LDN dose due now."),
            link=reverse("care_home"),
        )
    return Message(title=title, body=body, link=reverse("tonight"))
