"""Titration steps: the evening before a planned step (18:00 local) and on its day at the
dose reminder time, naming the new dose in the patient's formulation.

A step that needs the care team's approval is announced the evening before as planned, and
on the day only once it has begun: until a provider approves it, tonight's dose reminder
names the dose that still applies.
"""

from datetime import date, time, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.lib.timing import local_date, local_to_utc
from portal.notifications.models import Kind
from portal.notifications.services import Message, PlannedReminder
from regimens.models import DoseTime, Regimen, TitrationStep
from regimens.reminders import dose_reminder_time, dose_sentence
from regimens.selectors.regimens import current_regimen

EVENING_BEFORE = time(18, 0)
EVE, DAY = "eve", "day"


def _reminder(step: TitrationStep, moment: str, due_at) -> PlannedReminder:
    return PlannedReminder(
        kind=Kind.STEP,
        due_at=due_at,
        key=f"step:{step.pk}:{moment}",
        context={"step": step.pk, "moment": moment, "date": step.starts_on.isoformat()},
    )


def plan(*, user, prefs, now, until):
    patient = getattr(user, "patient", None) if user.is_patient else None
    regimen = current_regimen(patient=patient) if patient else None
    if regimen is None or not regimen.is_active:
        return []
    zone = user.timezone
    at = dose_reminder_time(patient=patient, regimen=regimen, prefs=prefs)
    today = local_date(now, zone)
    reminders = []
    for step in regimen.steps.all():
        if step.sequence == 1 or step.starts_on < today:
            continue  # the start itself is tonight's dose reminder; past steps are done
        if step.status == TitrationStep.Status.PLANNED:
            eve = local_to_utc(step.planned_on - timedelta(days=1), EVENING_BEFORE, zone)
            reminders.append(_reminder(step, EVE, eve))
        if step.status != TitrationStep.Status.DONE:
            reminders.append(_reminder(step, DAY, local_to_utc(step.starts_on, at, zone)))
    return reminders


def compose(notification):
    context = notification.context
    step = (
        TitrationStep.objects.select_related("regimen__protocol")
        .filter(pk=context.get("step"), regimen__patient__user=notification.recipient)
        .first()
    )
    if step is None or step.regimen.status != Regimen.Status.ACTIVE:
        return None
    if step.starts_on != date.fromisoformat(context["date"]):
        return None  # moved since it was planned; the replan planned the new date
    dose = dose_sentence(step.regimen, step.dose_mg)
    morning = step.dose_time == DoseTime.MORNING
    if context["moment"] == EVE:
        if step.status != TitrationStep.Status.PLANNED:
            return None
        if step.regimen.protocol.requires_approval:
            title = _("Your next LDN step is planned for tomorrow")
            body = _(
                "From tomorrow your plan goes to %(dose)s, once your care team approves the "
                "step. The Tonight page always shows the dose to take."
            ) % {"dose": dose}
        else:
            title = _("Your LDN dose changes tomorrow")
            body = _("From tomorrow: %(dose)s.") % {"dose": dose}
        return Message(title=title, body=body, link=reverse("tonight"))
    if step.status != TitrationStep.Status.CURRENT:
        return None  # not approved (yet): tonight's dose reminder names the dose that applies
    if morning:
        title, body = _("New LDN dose from this morning"), _("From this morning: %(dose)s.")
    else:
        title, body = _("New LDN dose from tonight"), _("From tonight: %(dose)s.")
    return Message(title=title, body=body % {"dose": dose}, link=reverse("tonight"))
