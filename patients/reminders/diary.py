"""The diary nudge: each evening at the patient's diary reminder time (Preferences.
diary_time, 20:00 by default), unless that day's diary entry is already written by then.

A caregiver whose patient chose to send them the diary reminder gets one per patient at the
caregiver's own diary reminder time in the caregiver's own time zone, about the patient's
diary of the patient's local date at that moment; at send time it checks the grant is still
open with the reminder and the diary permission."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from patients.models import DiaryEntry
from patients.selectors.care import open_grants
from portal.lib.timing import local_date, local_to_utc
from portal.notifications.models import Kind
from portal.notifications.services import Message, PlannedReminder


def plan(*, user, prefs, now, until):
    if user.is_caregiver:
        return _plan_for_caregiver(user=user, prefs=prefs, now=now, until=until)
    patient = getattr(user, "patient", None) if user.is_patient else None
    if patient is None or not patient.is_onboarded:
        return []
    reminders = []
    day = local_date(now, user.timezone)
    while day <= local_date(until, user.timezone):
        reminders.append(
            PlannedReminder(
                kind=Kind.DIARY,
                due_at=local_to_utc(day, prefs.diary_time, user.timezone),
                key=f"diary:{user.pk}:{day.isoformat()}",
                context={"date": day.isoformat()},
            )
        )
        day += timedelta(days=1)
    return reminders


def _plan_for_caregiver(*, user, prefs, now, until):
    reminders = []
    for grant in open_grants(caregiver=user):
        if not grant.reminds("diary") or not grant.patient.is_onboarded:
            continue
        patient_zone = grant.patient.user.timezone
        day = local_date(now, user.timezone)
        while day <= local_date(until, user.timezone):
            due_at = local_to_utc(day, prefs.diary_time, user.timezone)
            reminders.append(
                PlannedReminder(
                    kind=Kind.DIARY,
                    due_at=due_at,
                    key=f"diary:{user.pk}:p{grant.patient_id}:{day.isoformat()}",
                    context={
                        "date": local_date(due_at, patient_zone).isoformat(),
                        "patient": grant.patient_id,
                    },
                )
            )
            day += timedelta(days=1)
    return reminders


def _compose_for_caregiver(notification):
    patient_id = notification.context["patient"]
    grant = open_grants(caregiver=notification.recipient).filter(patient_id=patient_id).first()
    if grant is None or not grant.reminds("diary"):
        return None  # access or the reminder ended since it was planned
    day = date.fromisoformat(notification.context["date"])
    if DiaryEntry.objects.filter(patient_id=patient_id, local_date=day).exists():
        return None
    return Message(
        title=_("A diary is still empty"),
        body=_(
            "The diary of someone you care for is still empty for today. Choose their record "
            "in the portal to fill it in."
        ),
        link=reverse("care_home"),
    )


def compose(notification):
    return compose_many([notification])[0]


def compose_many(notifications):
    """Write many nudges with one query for the entries already written."""
    if any("patient" in n.context for n in notifications):
        return [
            _compose_for_caregiver(n) if "patient" in n.context else compose_many([n])[0]
            for n in notifications
        ]
    days = {n.pk: date.fromisoformat(n.context["date"]) for n in notifications}
    written = set(
        DiaryEntry.objects.filter(
            patient__user__in={n.recipient_id for n in notifications},
            local_date__in=set(days.values()),
        ).values_list("patient__user_id", "local_date")
    )
    return [
        None  # already written: nothing to remind
        if (n.recipient_id, days[n.pk]) in written
        else Message(
            title=_("How was your day?"),
            body=_(
                "Your diary for today is still empty. It takes a minute, and your care team "
                "reads it before every dose change."
            ),
            link=reverse("diary_entry", kwargs={"day": days[n.pk]}),
        )
        for n in notifications
    ]
