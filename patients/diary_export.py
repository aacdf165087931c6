"""The diary as CSV rows: a header, then one row per day, with no cell a spreadsheet would
run as a formula. For the patient's download and their care team's (the views check who)."""

from collections.abc import Iterator

from django.utils.translation import gettext_lazy

from patients.flags import SIDE_EFFECT_ITEMS, THYROID_ITEMS
from patients.models import DiaryEntry, Patient, Severity
from regimens import safety
from regimens.models import DoseLog

EXPORT_COLUMNS = (
    ("day", gettext_lazy("Day")),
    ("dose_status", gettext_lazy("Dose")),
    ("dose_mg", gettext_lazy("Dose (mg)")),
    ("pain", gettext_lazy("Pain (0-10)")),
    ("fatigue", gettext_lazy("Fatigue (0-10)")),
    ("sleep_quality", gettext_lazy("Sleep quality (0-10)")),
    ("mood", gettext_lazy("Mood (0-10)")),
    ("vivid_dreams", gettext_lazy("Vivid dreams")),
    ("insomnia", gettext_lazy("Trouble sleeping")),
    ("headache", gettext_lazy("Headache")),
    ("nausea", gettext_lazy("Nausea or stomach upset")),
    ("other_effect", gettext_lazy("Other side effect")),
    ("other_effect_text", gettext_lazy("Which side effect")),
    ("palpitations", gettext_lazy("Palpitations")),
    ("tremor", gettext_lazy("Tremor")),
    ("heat_intolerance", gettext_lazy("Feeling too hot")),
    ("anxiety", gettext_lazy("Anxiety")),
    ("fasting_glucose", gettext_lazy("Fasting glucose")),
    ("glucose_unit", gettext_lazy("Glucose unit")),
    ("stools_per_day", gettext_lazy("Stools per day")),
    ("morning_checkin_at", gettext_lazy("Morning check-in (UTC)")),
    ("notes", gettext_lazy("Notes")),
)
_SEVERITY_FIELDS = frozenset((*SIDE_EFFECT_ITEMS, *THYROID_ITEMS))
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or a tab or carriage
    return) is prefixed with a quote (OWASP, CSV injection)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def diary_export_rows(*, patient: Patient) -> Iterator[list[str]]:
    """The header, then one row per day with a diary entry or a dose-log entry, oldest first."""
    yield [csv_safe(label) for _name, label in EXPORT_COLUMNS]
    severities = dict(Severity.choices)
    statuses = dict(DoseLog.Status.choices)
    entries = {
        e.local_date: e for e in DiaryEntry.objects.filter(patient=patient).order_by("local_date")
    }
    logs = {
        log.on: log
        for log in DoseLog.objects.filter(regimen__patient=patient).order_by(
            "on", "regimen__started_on"
        )
    }
    for day in sorted(entries.keys() | logs.keys()):
        entry, log = entries.get(day), logs.get(day)
        row = []
        for name, _label in EXPORT_COLUMNS:
            if name == "day":
                value = day.isoformat()
            elif name == "dose_status":
                value = statuses.get(log.status, "") if log else ""
            elif name == "dose_mg":
                value = safety.format_decimal(log.dose_mg) if log else ""
            elif entry is None:
                value = ""
            elif name in _SEVERITY_FIELDS:
                raw = getattr(entry, name)
                value = severities.get(raw, "") if raw is not None else ""
            elif name == "morning_checkin_at":
                value = entry.morning_checkin_at.isoformat() if entry.morning_checkin_at else ""
            else:
                value = getattr(entry, name)
            row.append(csv_safe(value))
        yield row
