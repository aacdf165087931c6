"""Filters for regimen templates: doses for people and the engine's words."""

from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.lib.formats import mg
from portal.lib.timing import local_today
from regimens import titration
from regimens.selectors.opioids import open_pause_plans, opioid_status_for
from regimens.selectors.queue import recommendation_of
from regimens.selectors.record import RecordTreatment
from regimens.selectors.regimens import current_regimen, describe
from regimens.selectors.supply import supply_for

register = template.Library()

# The engine's action -> the decision page that carries it out.
ACTION_SLUGS = {
    titration.Action.ADVANCE: "advance",
    titration.Action.HOLD: "hold",
    titration.Action.STEP_BACK: "step-back",
    titration.Action.MAINTAIN: "maintenance",
    titration.Action.SWITCH_TO_MORNING: "dose-time",
    titration.Action.PAUSE: "pause",
    titration.Action.RESUME: "resume",
    titration.Action.STOP: "stop",
}
ACTION_LABELS = {
    titration.Action.ADVANCE: _("Step up to %(dose)s mg"),
    titration.Action.HOLD: _("Hold at %(dose)s mg"),
    titration.Action.STEP_BACK: _("Step back to %(dose)s mg"),
    titration.Action.MAINTAIN: _("Keep %(dose)s mg"),
    titration.Action.SWITCH_TO_MORNING: _("Take %(dose)s mg in the morning"),
    titration.Action.PAUSE: _("Pause LDN"),
    titration.Action.RESUME: _("Restart at %(dose)s mg"),
    titration.Action.STOP: _("Consider stopping"),
}
QUEUE_REASONS = {
    "opioid": _("Opioid: pause LDN"),
    "plan": _("Pause to approve"),
    "restart": _("Restart due"),
    "step_back": _("Step back recommended"),
    "hold_requested": _("Patient asked to hold"),
    "side_effects": _("Moderate or severe side effect reported"),
    "switch_time": _("Sleep trouble"),
    "due": _("Step due"),
}


@register.filter
def dose_for(dose, regimen) -> str:
    """The dose in the regimen's formulation: "3 mg: 3.0 mL of your 1 mg/mL liquid"."""
    return describe(regimen, Decimal(dose))


@register.filter
def action_label(recommendation) -> str:
    return str(ACTION_LABELS[recommendation.action]) % {"dose": mg(recommendation.dose_mg)}


def _shared(treatment, patient) -> RecordTreatment | None:
    """The record page's one read of the treatment (regimens.selectors.record), when it was
    given and is this patient's; None otherwise, and the card reads its own."""
    if isinstance(treatment, RecordTreatment) and treatment.is_of(patient):
        return treatment
    return None


@register.inclusion_tag("regimens/partials/regimen_summary.html")
def regimen_summary(patient, treatment=None):
    """The regimen card of the provider's patient record (the view resolved `patient`).
    `treatment`: the page's RecordTreatment, when it has one."""
    shared = _shared(treatment, patient)
    regimen = shared.regimen if shared else current_regimen(patient=patient)
    return {"patient": patient, "regimen": regimen}


@register.filter
def action_slug(recommendation) -> str:
    return ACTION_SLUGS[recommendation.action]


@register.filter
def queue_reason(code: str) -> str:
    return str(QUEUE_REASONS.get(code, code))


@register.filter
def as_recommendation(status):
    """The engine's recommendation kept on a patient's status row, for action_label."""
    return recommendation_of(status)


@register.inclusion_tag("regimens/partials/opioid_status_card.html", takes_context=True)
def opioid_status_card(context, patient, treatment=None):
    """The patient's opioid status and planned pauses, for the care team's record and regimen
    pages (the view resolved `patient` for the viewer). `treatment`: the record page's
    RecordTreatment, when it has one."""
    shared = _shared(treatment, patient)
    if shared:
        today, status, plans = shared.today, shared.opioid, shared.plans
    else:
        today = local_today(patient)
        status = opioid_status_for(patient=patient, today=today)
        plans = open_pause_plans(patient=patient)
    return {
        "patient": patient,
        "status": status,
        "plans": plans,
        "today": today,
        "request": context.get("request"),
    }


@register.inclusion_tag("regimens/partials/supply_card.html")
def supply_card(patient, treatment=None):
    """The supply card of the care team's patient record (the view resolved `patient`).
    `treatment`: the page's RecordTreatment, when it has one."""
    shared = _shared(treatment, patient)
    supply = shared.supply if shared else supply_for(patient=patient, today=local_today(patient))
    return {
        "supply": supply,
        "supply_url": reverse("patient_supply", args=[patient.pk]),
        "for_patient": False,
    }
