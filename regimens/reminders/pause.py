"""No LDN tonight: at the dose reminder time of every day the opioid status is not clear (an
opioid, its washout, or an approved pause), a reminder not to take LDN replaces tonight's
dose reminder; the evening of the last dose before an approved pause says so; and once the
pause is over, one reminder that the care team will confirm the restart. The normal dose
reminder comes back by itself when the status clears and the restart is confirmed.

Cannot be turned off (portal.notifications.models.Preferences.kind_enabled). The e-mail, as
for every reminder, says only that there is a reminder unless the patient chose details.
"""

from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from patients.models import Medication
from portal.lib.formats import day as long_day
from portal.lib.timing import local_date, local_to_utc
from portal.notifications.models import Kind
from portal.notifications.services import Message, PlannedReminder
from regimens import opioids
from regimens.models import DoseTime, Regimen
from regimens.reminders import dose_reminder_time
from regimens.selectors.opioids import approved_pauses, as_pause, opioids_on_list
from regimens.selectors.regimens import current_regimen

NO_LDN, LAST_DOSE, RESTART = "no_ldn", "last_dose", "restart"


def _patient(user):
    return getattr(user, "patient", None) if user.is_patient else None


def statuses(patient, first: date, last: date) -> dict[date, opioids.Status]:
    """The opioid status of each day from `first` to `last` (one read of the list and plans)."""
    found = opioids_on_list(
        Medication.objects.filter(patient=patient, screening=Medication.Screening.BLOCK)
    )
    pauses = [as_pause(p) for p in approved_pauses(patient=patient)]
    days, day = {}, first
    while day <= last:
        days[day] = opioids.opioid_status(opioids=found, pauses=pauses, today=day)
        day += timedelta(days=1)
    return days


def moment_on(regimen: Regimen, status: opioids.Status, day: date) -> str | None:
    """What the reminder of `day` says: no LDN, the last dose, the restart to confirm, or
    nothing of this kind (the ordinary dose reminder, or nothing at all)."""
    if not status.is_clear:
        return NO_LDN
    if regimen.is_active and status.last_dose_tonight(day):
        return LAST_DOSE
    if regimen.status == Regimen.Status.PAUSED and regimen.paused_on and day >= regimen.paused_on:
        return RESTART
    return None


def plan(*, user, prefs, now, until):
    patient = _patient(user)
    regimen = current_regimen(patient=patient) if patient else None
    if regimen is None or regimen.current_step is None:
        return []
    zone = user.timezone
    at = dose_reminder_time(patient=patient, regimen=regimen, prefs=prefs)
    first = max(local_date(now, zone), regimen.current_step.started_on)
    reminders, restart_planned = [], False
    for day, status in statuses(patient, first, local_date(until, zone)).items():
        moment = moment_on(regimen, status, day)
        if moment is None or (moment == RESTART and restart_planned):
            continue
        restart_planned = restart_planned or moment == RESTART
        key = (
            f"pause:{user.pk}:{day.isoformat()}"
            if moment != RESTART
            else (f"pause:{user.pk}:restart:{regimen.pk}:{regimen.paused_on.isoformat()}")
        )
        reminders.append(
            PlannedReminder(
                kind=Kind.PAUSE,
                due_at=local_to_utc(day, at, zone),
                key=key,
                context={"date": day.isoformat(), "moment": moment},
            )
        )
    return reminders


def compose(notification):
    patient = _patient(notification.recipient)
    regimen = current_regimen(patient=patient) if patient else None
    if regimen is None:
        return None
    day = date.fromisoformat(notification.context["date"])
    status = statuses(patient, day, day)[day]
    moment = moment_on(regimen, status, day)
    if moment != notification.context.get("moment"):
        return None  # the plan changed since: the replan sent what applies now
    link = reverse("tonight")
    if moment == NO_LDN:
        until = (
            _("Not before %(day)s.") % {"day": long_day(status.until)}
            if status.until
            else _("Not while the opioid is taken, nor during its washout.")
        )
        morning = regimen.dose_time == DoseTime.MORNING
        return Message(
            title=_("Do not take LDN today") if morning else _("Do not take LDN tonight"),
            body=f"{status.reason} {until}",
            link=link,
        )
    if moment == LAST_DOSE:
        return Message(
            title=_("Tonight is your last LDN dose before your pause"),
            body=_(
                "Take tonight's dose as usual. From %(from)s, do not take LDN: %(label)s. Your "
                "care team will confirm your restart."
            )
            % {"from": long_day(status.pause.pause_from), "label": status.pause.label},
            link=link,
        )
    return Message(
        title=_("Your care team will confirm your restart"),
        body=_(
            "Nothing stands in the way of LDN now, but do not restart on your own: your care "
            "team confirms the day and the dose."
        ),
        link=link,
    )
