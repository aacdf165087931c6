"""The provider's daily digest, each morning at 07:30 local time: one sentence from each
section the clinical apps registered (new flags on their patients, titration decisions
due, ...). Nothing is sent on a day when no section has anything to say."""

from datetime import date, time, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.lib.formats import short_day
from portal.lib.timing import local_date, local_to_utc
from portal.notifications.models import Kind
from portal.notifications.registry import digest_sections
from portal.notifications.services import Message, PlannedReminder

DIGEST_AT = time(7, 30)


def plan(*, user, prefs, now, until):
    if not user.is_provider:
        return []
    day = local_date(now, user.timezone)
    reminders = []
    while True:
        due = local_to_utc(day, DIGEST_AT, user.timezone)
        if due > until:
            return reminders
        reminders.append(
            PlannedReminder(
                kind=Kind.DIGEST,
                due_at=due,
                key=f"digest:{user.pk}:{day.isoformat()}",
                context={"date": day.isoformat()},
            )
        )
        day += timedelta(days=1)


def compose(notification):
    provider = notification.recipient
    since = notification.due_at - timedelta(days=1)
    day = date.fromisoformat(notification.context["date"])
    lines = [
        line
        for section in digest_sections()
        for line in section(provider=provider, since=since, day=day)
    ]
    if not lines:
        return None
    return Message(
        title=_("Your digest for %(day)s") % {"day": short_day(day)},
        body=" ".join(lines),
        link=reverse("provider_home"),
    )
