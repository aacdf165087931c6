"""Check-ins in templates: a time in someone's zone, and the cards on the patient record
(care team) and the patient's home page. The cards read through the scoped selectors."""

from django import template
from django.utils import timezone

from patients.selectors.checkins import open_checkins_of
from patients.selectors.records import own_patient
from portal.lib.formats import when

register = template.Library()


@register.filter
def in_zone(instant, zone_name: str) -> str:
    """{{ checkin.starts_at|in_zone:user.timezone }} → "Tue 12 Mar 2026, 15:00"."""
    return when(instant, zone_name)


@register.inclusion_tag("patients/checkins/partials/record_card.html", takes_context=True)
def record_checkins(context, patient):
    """Upcoming check-ins on the patient record (the view already scoped `patient`)."""
    return {
        "patient": patient,
        "checkins": open_checkins_of(patient=patient)[:5],
        "user": context["user"],
    }


@register.inclusion_tag("patients/checkins/partials/home_card.html", takes_context=True)
def my_upcoming_checkins(context):
    """The patient's own upcoming check-ins on their home page."""
    user = context["user"]
    return {"checkins": open_checkins_of(patient=own_patient(user))[:3], "user": user}


@register.simple_tag
def local_now(zone_name: str) -> str:
    """The time it is now in `zone_name`, to show a provider the patient's local time."""
    return when(timezone.now(), zone_name)
