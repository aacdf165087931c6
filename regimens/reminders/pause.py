"""No LDN tonight: at the dose reminder time of every day the opioid status is not clear (an
opioid, its washout, or an approved pause), a reminder not to take LDN replaces tonight's
dose reminder; the evening of the last dose before an approved pause says so; and once the
pause is over, one reminder that the care team will confirm the restart. The normal dose
reminder comes back by itself when the status clears and the restart is confirmed. The care
team gets a notice when a patient moves the dates of an approved pause
(regimens.services.plans.plan_change).

Cannot be turned off (portal.notifications.models.Preferences.kind_enabled). The e-mail, as
for every reminder, says only that there is a reminder unless the patient chose details.
"""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.lib.formats import day as long_day
from portal.lib.timing import local_date, local_to_utc
from portal.notifications.models import Kind
from portal.notifications.services import Message, PlannedReminder
from regimens import opioids
from regimens.models import DoseTime, PausePlan, Regimen
from regimens.reminders import dose_reminder_time
from regimens.selectors.opioids import opioid_statuses_between
from regimens.selectors.regimens import current_regimen

NO_LDN, LAST_DOSE, RESTART = "no_ldn", "last_dose", "restart"
MOVED = "moved"  # to the care team: a patient moved an approved pause


def _patient(user):
    return getattr(user, "patient", None) if user.is_patient else None


def moment_on(regimen: Regimen, status: opioids.Status, day: date) -> str | None:
    """What the reminder of `day` says: no LDN, the last dose, the restart to confirm, or
    nothing of this kind (the ordinary dose reminder, or nothing at all)."""
    if not status.is_clear:
        return NO_LDN
    if regimen.is_active and status.last_dose_tonight(day):
        return LAST_DOSE
    if regimen.paused_for_opioid and regimen.paused_on and day >= regimen.paused_on:
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
    for day, status in opioid_statuses_between(
        patient=patient, first=first, last=local_date(until, zone)
    ).items():
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
    if notification.context.get("moment") == MOVED:
        return _moved(notification)
    patient = _patient(notification.recipient)
    regimen = current_regimen(patient=patient) if patient else None
    if regimen is None:
        return None
    day = date.fromisoformat(notification.context["date"])
    status = opioid_statuses_between(patient=patient, first=day, last=day)[day]
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
        return _last_dose(status.pause, morning=regimen.dose_time == DoseTime.MORNING, link=link)
    return Message(
        title=_("Your care team will confirm your restart"),
        body=_(
            "Nothing stands in the way of LDN now, but do not restart on your own: your care "
            "team confirms the day and the dose."
        ),
        link=link,
    )


def _last_dose(pause: opioids.Pause, *, morning: bool, link: str) -> Message:
    """The evening (or morning) of the last dose: "before your procedure" for a procedure,
    "before your pause" for an opioid course."""
    values = {"from": long_day(pause.pause_from), "label": pause.label}
    procedure = pause.kind == opioids.PROCEDURE
    if morning:
        title = (
            _("Today is your last LDN dose before your procedure")
            if procedure
            else _("Today is your last LDN dose before your pause")
        )
        body = _(
            "Take today's dose as usual. From %(from)s, do not take LDN: %(label)s. Your care "
            "team will confirm your restart."
        )
    else:
        title = (
            _("Tonight is your last LDN dose before your procedure")
            if procedure
            else _("Tonight is your last LDN dose before your pause")
        )
        body = _(
            "Take tonight's dose as usual. From %(from)s, do not take LDN: %(label)s. Your "
            "care team will confirm your restart."
        )
    return Message(title=title, body=body % values, link=link)


def _moved(notification):
    """To a provider on the care team: a patient moved an approved pause's dates."""
    plan = (
        PausePlan.objects.select_related("patient__user")
        .filter(
            pk=notification.context.get("plan"),
            status__in=PausePlan.OPEN,
            patient__memberships__provider=notification.recipient,
            patient__memberships__until__isnull=True,
        )
        .first()
    )
    if plan is None:
        return None  # cancelled or done since, or the provider left the care team
    values = {
        "patient": plan.patient.name or plan.patient.user.email,
        "label": plan.label,
        "last": long_day(plan.last_dose_on),
        "restart": long_day(plan.restart_on),
    }
    title = _("An approved pause was moved")
    body = _(
        "%(patient)s moved the pause for %(label)s: last dose %(last)s, LDN again from "
        "%(restart)s, once you confirm the restart. The new dates apply now; check them."
    )
    return Message(
        title=title,
        body=body % values,
        link=reverse("patient_pause_plan", args=[plan.patient_id, plan.pk]),
    )
