"""The provider's daily digest, each morning at 07:30 local time: new flags on their
patients since yesterday and the titration decisions due (regimens.selectors.
titration_queue). Nothing is sent on a day with neither."""

from datetime import date, time, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patients.models import Flag
from patients.selectors import visible_patients
from portal.accounts.models import Role
from portal.notifications.services import Message, PlannedReminder
from portal.notifications.timing import local_date, local_to_utc
from regimens.selectors import titration_queue

DIGEST_AT = time(7, 30)


def plan(*, user, prefs, now, until):
    if user.role != Role.PROVIDER:
        return []
    day = local_date(now, user.timezone)
    reminders = []
    while True:
        due = local_to_utc(day, DIGEST_AT, user.timezone)
        if due > until:
            return reminders
        reminders.append(
            PlannedReminder(
                kind="digest",
                due_at=due,
                key=f"digest:{user.pk}:{day.isoformat()}",
                context={"date": day.isoformat()},
            )
        )
        day += timedelta(days=1)


def compose(notification):
    provider = notification.recipient
    since = notification.due_at - timedelta(days=1)
    new_flags = Flag.objects.filter(
        patient__in=visible_patients(provider), raised_at__gte=since, resolved_at__isnull=True
    ).count()
    day = date.fromisoformat(notification.context["date"])
    decisions = len(titration_queue(provider=provider, today=day))
    if not new_flags and not decisions:
        return None
    lines = []
    if new_flags:
        lines.append(
            ngettext(
                "%(n)d new flag on your patients since yesterday.",
                "%(n)d new flags on your patients since yesterday.",
                new_flags,
            )
            % {"n": new_flags}
        )
    if decisions:
        lines.append(
            ngettext(
                "%(n)d titration decision is due.",
                "%(n)d titration decisions are due.",
                decisions,
            )
            % {"n": decisions}
        )
    return Message(
        title=_("Your digest for %(day)s") % {"day": day.strftime("%d %b")},
        body=" ".join(lines),
        link=reverse("provider_home"),
    )
