"""Check-ins: reminders 24 hours and 1 hour before, to the patient and to the provider, and
one-off notices when a check-in is booked, moved or cancelled (to the patient) or the
patient asks for another time (to the provider; see patients/checkin_services.py).

At send time the composer reads the check-in again: a cancelled, completed or moved
check-in sends nothing for the old time.
"""

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from patients.models import CheckIn
from patients.selectors.checkins import REMINDED, reminded_checkins
from portal.lib.formats import when
from portal.notifications.models import Kind
from portal.notifications.services import Message, PlannedReminder

BEFORE = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}


def plan(*, user, prefs, now, until):
    reminders = []
    for item in reminded_checkins(user=user, now=now, until=until):
        checkin = item.checkin
        for label, ahead in BEFORE.items():
            reminders.append(
                PlannedReminder(
                    kind=Kind.CHECKIN,
                    due_at=checkin.starts_at - ahead,
                    key=f"checkin:{checkin.pk}:{label}:{user.pk}",
                    context={
                        "checkin": checkin.pk,
                        "event": label,
                        "starts_at": checkin.starts_at.isoformat(),
                    },
                )
            )
    return reminders


def _links(checkin: CheckIn, for_patient: bool) -> str:
    if for_patient:
        return reverse("my_checkins")
    return reverse("checkin_detail", args=[checkin.patient_id, checkin.pk])


def compose(notification):
    context = notification.context
    user = notification.recipient
    checkin = (
        CheckIn.objects.select_related("patient__user", "provider")
        .filter(pk=context.get("checkin"))
        .first()
    )
    if checkin is None:
        return None
    for_patient = checkin.patient.user_id == user.pk
    if not for_patient and checkin.provider_id != user.pk:
        return None
    event = context["event"]
    if event == "cancelled":
        if checkin.status != CheckIn.Status.CANCELLED:
            return None
    elif checkin.starts_at != datetime.fromisoformat(context["starts_at"]):
        return None  # moved: the new time has its own notices
    values = {
        "kind": checkin.get_kind_display().lower(),
        "when": when(checkin.starts_at, user.timezone),
        "provider": checkin.provider,
        "patient": checkin.patient.name or checkin.patient.user.email,
    }
    text = _message(event, checkin, for_patient)
    if text is None:
        return None
    title, body = text
    return Message(title=title, body=body % values, link=_links(checkin, for_patient))


def _message(event: str, checkin: CheckIn, for_patient: bool):
    """(title, body with placeholders) for the event, or None when it no longer applies."""
    status = checkin.status
    if event in BEFORE:
        if status not in REMINDED:
            return None
        soon = _("in 1 hour") if event == "1h" else _("tomorrow")
        if for_patient:
            return (
                _("Check-in %(soon)s") % {"soon": soon},
                _("Your check-in with %(provider)s is on %(when)s (your time): %(kind)s."),
            )
        return (
            _("Check-in %(soon)s") % {"soon": soon},
            _("Your check-in with %(patient)s is on %(when)s (your time): %(kind)s."),
        )
    if event in ("booked", "moved"):
        if status != CheckIn.Status.BOOKED:
            return None  # already confirmed, or changed again since
        title = _("Check-in booked") if event == "booked" else _("Check-in moved")
        return (
            title,
            _(
                "%(provider)s booked a check-in with you on %(when)s (your time): %(kind)s. "
                "Please confirm it or ask for another time."
            ),
        )
    if event == "cancelled":
        return (
            _("Check-in cancelled"),
            _("Your check-in with %(provider)s on %(when)s is cancelled."),
        )
    if event == "change":
        if status != CheckIn.Status.RESCHEDULE_REQUESTED:
            return None
        return (
            _("Another time asked for a check-in"),
            _("%(patient)s asked for another time for the check-in on %(when)s (your time)."),
        )
    return None
