"""Supply: the refill reminder SUPPLY_REMINDER_DAYS before the supply runs out, at 10:00 in
the patient's time zone (docs/clinical-rules.md §8.3); the notice to the patient that a fill
cannot make a planned step; and the refill request's notice to the care team.

The run-out day comes from the fills, the dose log and the plan, so every step up or down
moves the reminder at once (the decision services re-plan the patient's reminders). Its key
names the run-out day: once sent, it is not sent again for the same day; a new run-out day
gets its own. At send time the composer counts again and sends nothing if the day moved or a
refill is already asked for.
"""

from datetime import date, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from patients.models import Flag
from portal.lib.formats import day as long_day
from portal.lib.timing import local_date, local_to_utc
from portal.notifications.models import Kind
from portal.notifications.services import Message, PlannedReminder
from regimens.models import RefillRequest, SupplyFill
from regimens.selectors.supply import supply_for

# [design] Pharmacies are open at 10:00; the patient can call or order then.
REMINDER_AT = time(10, 0)
RUN_OUT, STRENGTH, REFILL = "run_out", "strength", "refill"


def _patient(user):
    return getattr(user, "patient", None) if user.is_patient else None


def reminder_day(*, runs_out_on: date, today: date, now, zone: str) -> date | None:
    """The day of the run-out reminder: SUPPLY_REMINDER_DAYS before the run-out day, or, when
    that is past, the next 10:00 still to come (today's within the hour it fell due, so a
    re-plan does not move a reminder being sent), up to the run-out day itself."""
    day = max(runs_out_on - timedelta(days=settings.LDN["SUPPLY_REMINDER_DAYS"]), today)
    if day == today and local_to_utc(day, REMINDER_AT, zone) + timedelta(hours=1) <= now:
        day += timedelta(days=1)
    return day if day <= runs_out_on else None


def plan(*, user, prefs, now, until):
    patient = _patient(user)
    if patient is None or not SupplyFill.objects.filter(patient=patient).exists():
        return []  # nothing to count: the hourly planner stops here for most people
    zone = user.timezone
    view = supply_for(patient=patient, today=local_date(now, zone), now=now)
    runs_out_on = view.runs_out_on
    if runs_out_on is None or view.regimen is None or not view.regimen.is_active:
        return []
    day = reminder_day(runs_out_on=runs_out_on, today=view.today, now=now, zone=zone)
    if day is None:
        return []
    return [
        PlannedReminder(
            kind=Kind.SUPPLY,
            due_at=local_to_utc(day, REMINDER_AT, zone),
            key=f"supply:{user.pk}:run-out:{runs_out_on.isoformat()}",
            context={"moment": RUN_OUT, "date": runs_out_on.isoformat()},
        )
    ]


def compose(notification):
    moment = notification.context.get("moment")
    if moment == REFILL:
        return _refill(notification)
    patient = _patient(notification.recipient)
    if patient is None:
        return None
    link = reverse("supply")
    if moment == STRENGTH:
        flag = Flag.objects.filter(
            pk=notification.context.get("flag"), patient=patient, resolved_at__isnull=True
        ).first()
        if flag is None:
            return None  # a new fill or a change of plan solved it since
        return Message(
            title=_("Your LDN supply cannot make a coming dose"),
            body=_(
                "%(reason)s Ask your care team or your pharmacy for a strength that can, "
                "before that day."
            )
            % {"reason": flag.reason},
            link=link,
        )
    view = supply_for(patient=patient, today=local_date(notification.due_at, patient.user.timezone))
    runs_out_on = view.runs_out_on
    if runs_out_on is None or runs_out_on.isoformat() != notification.context.get("date"):
        return None  # the plan or the fills changed since: the re-plan planned the new day
    if view.open_request is not None or view.regimen is None or not view.regimen.is_active:
        return None
    return Message(
        title=_("Your LDN runs out on %(day)s") % {"day": long_day(runs_out_on)},
        body=_(
            "At your planned doses the LDN you have lasts until %(last)s. Compounding and "
            "postage take days: ask for a refill now."
        )
        % {"last": long_day(view.forecast.last_dose_on or runs_out_on)},
        link=link,
    )


def _refill(notification):
    provider = notification.recipient
    request = (
        RefillRequest.objects.select_related("patient__user")
        .filter(
            pk=notification.context.get("refill"),
            status=RefillRequest.Status.OPEN,
            patient__memberships__provider=provider,
            patient__memberships__until__isnull=True,
        )
        .first()
    )
    if request is None:
        return None  # handled already, or the provider left the care team
    patient = request.patient
    return Message(
        title=_("Refill requested"),
        body=_("%(patient)s asks for a refill of LDN: %(quantity)s, to last until %(until)s.")
        % {
            "patient": patient.name or patient.user.email,
            "quantity": request.quantity_text,
            "until": long_day(request.covers_until),
        },
        link=reverse("patient_supply", args=[patient.pk]),
    )
