"""Template helpers for the symptom diary, its trends and the care team's review."""

from django import template

from patients.diary_forms import DREAM_TAP_LABELS, SLEEP_TAP_LABELS, ReviewForm
from patients.diary_selectors import EFFECT_LABELS, reviews_for
from patients.flags import SIDE_EFFECT_ITEMS, THYROID_ITEMS
from patients.models import Severity

register = template.Library()
SEVERITIES = dict(Severity.choices)


def _value(entry, name):
    return entry.get(name) if isinstance(entry, dict) else getattr(entry, name, None)


@register.filter
def severity_name(value) -> str:
    """2 -> "Moderate"; "" when not answered."""
    return str(SEVERITIES.get(value, "")) if value is not None else ""


@register.filter
def side_effects(entry) -> list[str]:
    """The side effects an entry rates mild or worse: ["Headache: severe", ...]."""
    found = []
    for name in (*SIDE_EFFECT_ITEMS, *THYROID_ITEMS):
        value = _value(entry, name)
        if value:
            label = str(EFFECT_LABELS[name])
            if name == "other_effect" and _value(entry, "other_effect_text"):
                label = _value(entry, "other_effect_text")
            found.append(f"{label}: {str(SEVERITIES[value]).lower()}")
    return found


@register.filter
def cell(entry, name):
    """A field of a trends row's entry (a dict), or "" when the day has none."""
    value = _value(entry, name) if entry else None
    return "" if value is None else value


@register.simple_tag
def sleep_taps():
    return list(SLEEP_TAP_LABELS.items())


@register.simple_tag
def dream_taps():
    return list(DREAM_TAP_LABELS.items())


@register.inclusion_tag("patients/review/partials/record_panel.html", takes_context=True)
def review_panel(context, patient):
    """For the patient record: links to the diary and trends, the review form with every open
    flag ticked, and the review history."""
    return {
        "patient": patient,
        "review_form": ReviewForm(patient=patient),
        "reviews": list(reviews_for(patient=patient)[:5]),
        "request": context.get("request"),
    }
