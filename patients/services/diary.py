"""The symptom diary: a day's entry and the two-tap morning check-in. One keyword-only
function per use case, each in one transaction; every saved version is kept in the history.

Whether the day's dose was taken lives in the dose log: the diary's answer is recorded
through the treatment (patients.treatment), so the dose log stays the one record of doses.
Every save re-evaluates the patient's flags (patients.services.flags).
"""

from collections.abc import Mapping
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.models import DiaryEntry, Patient
from patients.rules import side_effects as catalogue
from patients.selectors.diary import diary_day_errors
from patients.services.flags import flags_evaluate
from patients.treatment import treatment
from portal.accounts.models import User

SCORE_FIELDS = ("pain", "fatigue", "sleep_quality", "mood")
SEVERITY_FIELDS = catalogue.FIELDS
ENTRY_FIELDS = (
    *SCORE_FIELDS,
    *SEVERITY_FIELDS,
    "other_effect_text",
    "fasting_glucose",
    "glucose_unit",
    "stools_per_day",
    "notes",
)
SCORE_NAMES = {
    "pain": gettext_lazy("Pain"),
    "fatigue": gettext_lazy("Fatigue"),
    "sleep_quality": gettext_lazy("Sleep quality"),
    "mood": gettext_lazy("Mood"),
}


def _check_values(values: Mapping[str, object]) -> None:
    unknown = set(values) - set(ENTRY_FIELDS)
    if unknown:
        raise ValueError(f"not diary fields: {sorted(unknown)}")
    errors = {}
    for name in SCORE_FIELDS:
        value = values.get(name)
        if value is not None and not 0 <= value <= 10:
            errors[name] = _("%(name)s is scored 0 to 10.") % {"name": SCORE_NAMES[name]}
    for name in SEVERITY_FIELDS:
        value = values.get(name)
        if value is not None and value not in (0, 1, 2, 3):
            errors[name] = _("Choose none, mild, moderate or severe.")
    if values.get("fasting_glucose") is not None and not values.get("glucose_unit"):
        errors["glucose_unit"] = _("Choose the unit of your glucose reading: mmol/L or mg/dL.")
    if errors:
        raise ValidationError(errors)


def _record_dose(*, patient: Patient, day: date, status: str, recorded_by: User, now: datetime):
    """Record the diary's dose answer in the dose log (a no-op when unchanged)."""
    if not status:
        return
    question = treatment().dose_question(patient=patient, day=day)
    if question is None:
        raise ValidationError({"dose": _("You have no active regimen, so no dose to record.")})
    if question.logged == status:
        return
    try:
        treatment().dose_record(
            patient=patient, day=day, status=status, recorded_by=recorded_by, now=now
        )
    except ValidationError as error:
        raise ValidationError({"dose": error.messages}) from None


def _save_entry(
    *, patient: Patient, day: date, entered_by: User, now: datetime, values: Mapping, why: str
) -> DiaryEntry:
    entry = DiaryEntry.objects.select_for_update().filter(patient=patient, local_date=day).first()
    if entry is None:
        entry = DiaryEntry(
            patient=patient, local_date=day, entered_by=entered_by, created_at=now, updated_at=now
        )
    for name, value in values.items():
        setattr(entry, name, value)
    entry.entered_by = entered_by
    entry.updated_at = now
    entry._change_reason = why
    if entry.pk is not None:
        entry.save()  # the row is locked: nothing can collide
        return entry
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        # Someone saved the same day a moment ago: update theirs instead.
        existing = DiaryEntry.objects.select_for_update().get(patient=patient, local_date=day)
        entry.pk, entry.created_at = existing.pk, existing.created_at
        entry._state.adding = False
        entry.save()
    return entry


@transaction.atomic
def diary_entry_save(
    *,
    patient: Patient,
    day: date,
    entered_by: User,
    today: date,
    values: Mapping[str, object],
    dose_status: str = "",
    now: datetime | None = None,
) -> DiaryEntry:
    """Write or change the patient's entry for `day` (their local date): one per day, every
    version kept in the history. Refused for a future day or after DIARY_EDIT_DAYS.

    `values` holds the diary fields answered; an unanswered field is None (or "" for text).
    `dose_status` (taken, skipped or missed; "" for no answer) goes to the regimen's dose log.
    """
    now = now or timezone.now()
    errors = diary_day_errors(day=day, today=today)
    if errors:
        raise ValidationError(errors)
    _check_values(values)
    _record_dose(patient=patient, day=day, status=dose_status, recorded_by=entered_by, now=now)
    entry = _save_entry(
        patient=patient, day=day, entered_by=entered_by, now=now, values=values, why="diary"
    )
    flags_evaluate(patient=patient, today=today, now=now)
    return entry


@transaction.atomic
def morning_checkin_record(
    *,
    patient: Patient,
    today: date,
    entered_by: User,
    sleep_quality: int | None = None,
    vivid_dreams: int | None = None,
    now: datetime | None = None,
) -> DiaryEntry:
    """The two-tap morning check-in: last night's sleep and dreams, on today's entry (made if
    there is none yet). Each tap saves on its own; the first stamps morning_checkin_at."""
    now = now or timezone.now()
    values = {}
    if sleep_quality is not None:
        values["sleep_quality"] = sleep_quality
    if vivid_dreams is not None:
        values["vivid_dreams"] = vivid_dreams
    _check_values(values)
    entry = _save_entry(
        patient=patient,
        day=today,
        entered_by=entered_by,
        now=now,
        values=values,
        why="morning check-in",
    )
    if entry.morning_checkin_at is None:
        entry.morning_checkin_at = now
        entry._change_reason = "morning check-in"
        entry.save(update_fields=["morning_checkin_at"])
    flags_evaluate(patient=patient, today=today, now=now)
    return entry
