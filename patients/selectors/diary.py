"""Reads of the symptom diary: the questions a patient is asked, a day's entry, the dose
question, the 4-weekly PGIC, the timeline and the CSV export.

Every function takes a patient already resolved through patients.selectors.records
(own_patient, or patient_for with its access event). What the diary shows of the dose comes
from the treatment (patients.treatment); the trends are patients.selectors.trends.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.models import DiaryEntry, Patient, PGICResponse, Review
from patients.rules import side_effects as catalogue
from patients.rules.diary import can_edit as _can_edit
from patients.rules.diary import day_errors
from patients.treatment import DoseQuestion, treatment
from portal.lib.formats import plain_mg, short_day

TIMELINE_PAGE_SIZE = 31
GLUCOSE_CONDITIONS = ("insulin-resistance",)
BOWEL_CONDITIONS = ("crohns", "ulcerative-colitis")
# The dose log's words, for the timeline and the export.
DOSE_STATUS_LABELS = {
    "taken": gettext_lazy("Taken"),
    "skipped": gettext_lazy("Skipped on purpose"),
    "missed": gettext_lazy("Missed"),
}


# The diary's questions ---------------------------------------------------------------------


@dataclass(frozen=True)
class DiaryQuestions:
    """The conditional items this patient is asked, besides everyone's."""

    thyroid: bool = False
    glucose: bool = False
    stools: bool = False


def diary_questions(*, patient: Patient) -> DiaryQuestions:
    """Thyroid items for a thyroid condition or thyroid hormone taken now; fasting glucose
    for insulin resistance; stools per day for Crohn's disease or ulcerative colitis."""
    conditions = list(patient.conditions.values_list("slug", "is_thyroid"))
    slugs = {slug for slug, _thyroid in conditions}
    thyroid = (
        any(is_thyroid for _slug, is_thyroid in conditions)
        or patient.medications.filter(is_thyroid_hormone=True, stopped_on__isnull=True).exists()
    )
    return DiaryQuestions(
        thyroid=thyroid,
        glucose=bool(slugs & set(GLUCOSE_CONDITIONS)),
        stools=bool(slugs & set(BOWEL_CONDITIONS)),
    )


def edit_days() -> int:
    return settings.LDN["DIARY_EDIT_DAYS"]


def can_edit(day: date, today: date) -> bool:
    """A day's entry can be written or changed from that day until DIARY_EDIT_DAYS later."""
    return _can_edit(day, today, edit_days())


def diary_day_errors(*, day: date, today: date) -> list[str]:
    """Why a diary day cannot be written or changed today, in words; empty when it can (the
    service refuses with these words; the form shows the same)."""
    return day_errors(day=day, today=today, edit_days=edit_days())


def diary_entry_on(*, patient: Patient, day: date | None) -> DiaryEntry | None:
    if day is None:
        return None
    return DiaryEntry.objects.filter(patient=patient, local_date=day).first()


def written_days(*, patient: Patient, today: date) -> set[date]:
    """The days of the edit window that already have an entry."""
    first = today - timedelta(days=edit_days())
    return set(
        DiaryEntry.objects.filter(
            patient=patient, local_date__gte=first, local_date__lte=today
        ).values_list("local_date", flat=True)
    )


def earliest_unwritten(*, today: date, written: set[date]) -> date:
    """The newest day before today in the edit window without an entry (yesterday when every
    day has one): where "Add an earlier day" starts."""
    for back in range(1, edit_days() + 1):
        day = today - timedelta(days=back)
        if day not in written:
            return day
    return today - timedelta(days=1)


# What "Same as yesterday" copies: the scores and the side effects, not notes or readings.
SAME_AS_FIELDS = (
    "pain",
    "fatigue",
    "sleep_quality",
    "mood",
    *catalogue.FIELDS,
    "other_effect_text",
)


def same_as_day_before(*, patient: Patient, day: date) -> dict:
    """The day before `day`'s scores and side effects, to fill the form for review; empty
    when that day has no entry."""
    entry = diary_entry_on(patient=patient, day=day - timedelta(days=1))
    if entry is None:
        return {}
    return {
        name: getattr(entry, name)
        for name in SAME_AS_FIELDS
        if getattr(entry, name) not in (None, "")
    }


def parse_day(value: str | None) -> date | None:
    """A day from a query string (2026-11-03), or None when it is missing or not a date."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def already_written_message(day: date, *, typed: bool = False) -> str:
    if typed:
        return _(
            "You already have an entry for %(day)s. What you typed is below, not saved yet: "
            "save it to change that day's entry."
        ) % {"day": short_day(day)}
    return _("You already have an entry for %(day)s: here it is to change.") % {
        "day": short_day(day)
    }


def morning_step(entry: DiaryEntry | None) -> str:
    """Where today's morning check-in is: "sleep", then "dreams", then "done"."""
    if entry is None or entry.sleep_quality is None:
        return "sleep"
    if entry.vivid_dreams is None:
        return "dreams"
    return "done"


def dose_question(*, patient: Patient, day: date) -> DoseQuestion | None:
    """Whether the diary asks about `day`'s dose (a regimen was active and had begun), and
    what the dose log says so far; None when there is no dose to ask about."""
    return treatment().dose_question(patient=patient, day=day)


# PGIC ---------------------------------------------------------------------------------------


def pgic_due(*, patient: Patient, today: date) -> bool:
    """Every PGIC_INTERVAL_DAYS of an active regimen: counted from the regimen's start or
    from the last answer, whichever is later (FINAL asked at weeks 4, 8 and 12)."""
    started = treatment().regimen_starts(patient=patient, today=today).active
    if started is None:
        return False
    last = PGICResponse.objects.filter(patient=patient, answered_on__lte=today).aggregate(
        last=Max("answered_on")
    )["last"]
    since = max(started, last) if last else started
    return (today - since).days >= settings.LDN["PGIC_INTERVAL_DAYS"]


def pgic_answers(*, patient: Patient, since: date | None = None) -> QuerySet[PGICResponse]:
    answers = PGICResponse.objects.filter(patient=patient)
    if since is not None:
        answers = answers.filter(answered_on__gte=since)
    return answers


# The timeline -------------------------------------------------------------------------------


def timeline_page(*, patient: Patient, page) -> Page:
    """One page of the patient's diary, newest first, each entry with its day's dose (the
    dose in effect and the dose log's word: `dose_mg` and `dose_status`)."""
    entries = (
        DiaryEntry.objects.filter(patient=patient)
        .select_related("entered_by")
        .order_by("-local_date")
    )
    result = Paginator(entries, TIMELINE_PAGE_SIZE).get_page(page)
    days = [entry.local_date for entry in result]
    doses = treatment().dose_days(patient=patient, first=min(days), last=max(days)) if days else {}
    for entry in result:
        dose = doses.get(entry.local_date)
        entry.dose_mg = dose.dose_mg if dose else None
        entry.dose_status = dose.logged if dose else ""
        entry.dose_logged_by_caregiver = dose.logged_by_caregiver if dose else ""
    return result


def reported_tags(entries) -> list[str]:
    """Library tags for the side effects in these entries (mild or worse), e.g. ["sleep"]."""
    tags = []
    for entry in entries:
        for item in catalogue.ITEMS:
            if not item.guidance_tag or item.guidance_tag in tags:
                continue
            value = entry.get(item.field) if isinstance(entry, dict) else getattr(entry, item.field)
            if value:
                tags.append(item.guidance_tag)
    return tags


def reviews_for(*, patient: Patient) -> QuerySet[Review]:
    return (
        Review.objects.filter(patient=patient)
        .select_related("reviewed_by")
        .prefetch_related("flags")
    )


# The CSV export -----------------------------------------------------------------------------

SCORE_COLUMNS = (
    ("pain", gettext_lazy("Pain (0-10)")),
    ("fatigue", gettext_lazy("Fatigue (0-10)")),
    ("sleep_quality", gettext_lazy("Sleep quality (0-10)")),
    ("mood", gettext_lazy("Mood (0-10)")),
)
EXPORT_COLUMNS = (
    ("day", gettext_lazy("Day")),
    ("dose_status", gettext_lazy("Dose")),
    ("dose_mg", gettext_lazy("Dose (mg)")),
    *SCORE_COLUMNS,
    *((item.field, item.name) for item in catalogue.COMMON_ITEMS),
    ("other_effect_text", gettext_lazy("Which side effect")),
    *((item.field, item.name) for item in catalogue.THYROID_ITEMS),
    ("fasting_glucose", gettext_lazy("Fasting glucose")),
    ("glucose_unit", gettext_lazy("Glucose unit")),
    ("stools_per_day", gettext_lazy("Stools per day")),
    ("morning_checkin_at", gettext_lazy("Morning check-in (UTC)")),
    ("notes", gettext_lazy("Notes")),
    ("entered_by", gettext_lazy("Entered by")),
    ("dose_logged_by", gettext_lazy("Dose logged by")),
)


def caregiver_mark(name: str) -> str:
    """ "entered by Ana Ruiz (caregiver)": how an entry a caregiver made is shown."""
    return _("entered by %(name)s (caregiver)") % {"name": name}


def entered_by_label(user) -> str:
    """The mark for an entry `user` made: a caregiver's, or "" (the patient's own, or the
    care team's, which their pages name already)."""
    if user is None or not user.is_caregiver:
        return ""
    return caregiver_mark(user.get_full_name())


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
    severities = dict(catalogue.Severity.choices)
    entries = {
        e.local_date: e
        for e in DiaryEntry.objects.filter(patient=patient)
        .select_related("entered_by")
        .order_by("local_date")
    }
    doses = treatment().logged_doses(patient=patient)
    for day in sorted(entries.keys() | doses.keys()):
        entry, dose = entries.get(day), doses.get(day)
        row = []
        for name, _label in EXPORT_COLUMNS:
            if name == "day":
                value = day.isoformat()
            elif name == "dose_status":
                value = DOSE_STATUS_LABELS.get(dose.logged, "") if dose else ""
            elif name == "dose_mg":
                value = plain_mg(dose.dose_mg) if dose and dose.logged else ""
            elif name == "dose_logged_by":
                value = (
                    caregiver_mark(dose.logged_by_caregiver)
                    if dose and dose.logged_by_caregiver
                    else ""
                )
            elif name == "entered_by":
                value = entered_by_label(entry.entered_by) if entry else ""
            elif entry is None:
                value = ""
            elif name in catalogue.BY_FIELD:
                raw = getattr(entry, name)
                value = severities.get(raw, "") if raw is not None else ""
            elif name == "morning_checkin_at":
                value = entry.morning_checkin_at.isoformat() if entry.morning_checkin_at else ""
            else:
                value = getattr(entry, name)
            row.append(csv_safe(value))
        yield row
