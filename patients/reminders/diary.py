"""The diary nudge: each evening at the patient's diary reminder time (Preferences.
diary_time, 20:00 by default), unless that day's diary entry is already written by then."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from patients.models import DiaryEntry
from portal.lib.timing import local_date, local_to_utc
from portal.notifications.models import Kind
from portal.notifications.services import Message, PlannedReminder


def plan(*, user, prefs, now, until):
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


def compose(notification):
    return compose_many([notification])[0]


def compose_many(notifications):
    """Write many nudges with one query for the entries already written."""
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
