"""Template helpers for the symptom diary, its trends and the care team's review."""

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from patients.forms.diary import DREAM_TAP_LABELS, SLEEP_TAP_LABELS
from patients.forms.review import ReviewForm
from patients.rules import side_effects as catalogue
from patients.rules.side_effects import Severity
from patients.selectors.diary import caregiver_mark, entered_by_label, reviews_for
from portal.lib.fragments import kept, kept_many

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
    for item in catalogue.ITEMS:
        name = item.field
        value = _value(entry, name)
        if value:
            label = str(item.short)
            if item.key == catalogue.OTHER and _value(entry, "other_effect_text"):
                label = _value(entry, "other_effect_text")
            found.append(f"{label}: {str(SEVERITIES[value]).lower()}")
    return found


@register.filter
def cell(entry, name):
    """A field of a trends row's entry (a dict), or "" when the day has none."""
    value = _value(entry, name) if entry else None
    return "" if value is None else value


def _cell(entry, name) -> str:
    value = entry.get(name) if entry else None
    return "" if value is None else value


@register.simple_tag
def trend_score_rows(trends):
    """The trends page's daily scores table body, one row per day (the rows of
    patients.selectors.trends.Trends): built here rather than by template nodes, because a
    year is 365 rows and each template node costs more than the whole row does here. Kept
    under the digest of the rows (portal.lib.fragments): the same days render once."""
    return kept("trend_score_rows", (trends.rows_key,), lambda: _score_rows(trends.rows))


def _score_rows(rows) -> str:
    return format_html_join(
        "",
        '<tr><th scope="row" class="text-nowrap">{}</th><td>{}{}</td>'
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                row["label"],
                row["dose"] or "—",
                format_html(' <span class="small">({})</span>', row["dose_status"].lower())
                if row["dose_status"]
                else "",
                _cell(row["entry"], "pain"),
                _cell(row["entry"], "fatigue"),
                _cell(row["entry"], "sleep_quality"),
                _cell(row["entry"], "mood"),
            )
            for row in rows
        ),
    )


@register.simple_tag
def trend_effect_rows(trends):
    """The trends page's side effects table body, one row per day (see trend_score_rows)."""
    return kept("trend_effect_rows", (trends.rows_key,), lambda: _effect_rows(trends.rows))


def _effect_rows(rows) -> str:
    none = _("None")
    return format_html_join(
        "",
        '<tr><th scope="row" class="text-nowrap">{}</th><td>{}</td><td>{}</td></tr>',
        (
            (
                row["label"],
                row["dose"] or "—",
                ", ".join(side_effects(row["entry"])) or (none if row["entry"] else "—"),
            )
            for row in rows
        ),
    )


@register.simple_tag
def sleep_taps():
    return list(SLEEP_TAP_LABELS.items())


@register.simple_tag
def dream_taps():
    return list(DREAM_TAP_LABELS.items())


@register.inclusion_tag("patients/review/partials/record_panel.html", takes_context=True)
def review_panel(context, patient, open_flags=None):
    """For the patient record: links to the diary and trends, the review form with every open
    flag ticked, and the review history. `open_flags`: the patient's, when the page has read
    them."""
    return {
        "patient": patient,
        "review_form": ReviewForm(patient=patient, open_flags=open_flags),
        "reviews": list(reviews_for(patient=patient)[:5]),
        "request": context.get("request"),
    }


@register.filter
def entered_by(user) -> str:
    """ "entered by Ana Ruiz (caregiver)" for an entry a caregiver made; "" otherwise."""
    return entered_by_label(user)


@register.filter
def logged_by(name: str) -> str:
    """The same for a dose a caregiver logged, from the caregiver's name."""
    return caregiver_mark(name) if name else ""


@register.simple_tag
def timeline_rows(page, can_change):
    """The diary timeline's rows (timeline_row.html), each kept rendered under everything it
    shows (portal.lib.fragments): the entry and whoever entered it, its day's dose and
    whether the reader may change it. A page of a month renders only the days that
    changed."""
    can_change = bool(can_change)
    rows = kept_many(
        "diary_timeline_row",
        list(page),
        shows=lambda entry: (
            entry,
            entry.entered_by,
            entry.dose_mg,
            entry.dose_status,
            entry.dose_logged_by_caregiver,
            can_change,
        ),
        render=lambda entry: render_to_string(
            "patients/diary/partials/timeline_row.html",
            {"entry": entry, "can_change": can_change},
        ),
    )
    return mark_safe("".join(rows))  # noqa: S308 (our own rendering of our own template)
