"""The symptom diary: a day's entry and the two-tap morning check-in. One keyword-only
function per use case, each in one transaction; every saved version is kept in the history.

Whether the day's dose was taken lives in the dose log: the diary's answer is recorded
through the treatment (patients.treatment), so the dose log stays the one record of doses.
Every save re-evaluates the patient's flags (patients.services.flags) and refreshes the
status row from one read of the patient's clinical picture (patients.status), taken under
the patient's lock: every diary write takes it first.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.models import DiaryEntry, Patient
from patients.rules import side_effects as catalogue
from patients.selectors.diary import DiaryQuestions, diary_day_errors
from patients.services.flags import flags_evaluate
from patients.status import ClinicalPicture, clinical_picture
from patients.treatment import DoseQuestion, treatment
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
SEVERITY_UNKNOWN = gettext_lazy("Choose none, mild, moderate or severe.")


def score_error(name: str) -> str:
    """ "Pain is scored 0 to 10.": a score outside 0-10."""
    return _("%(name)s is scored 0 to 10.") % {"name": SCORE_NAMES[name]}


def _check_values(values: Mapping[str, object]) -> None:
    unknown = set(values) - set(ENTRY_FIELDS)
    if unknown:
        raise ValueError(f"not diary fields: {sorted(unknown)}")
    errors = {}
    for name in SCORE_FIELDS:
        value = values.get(name)
        if value is not None and not 0 <= value <= 10:
            errors[name] = score_error(name)
    for name in SEVERITY_FIELDS:
        value = values.get(name)
        if value is not None and value not in (0, 1, 2, 3):
            errors[name] = SEVERITY_UNKNOWN
    if values.get("fasting_glucose") is not None and not values.get("glucose_unit"):
        errors["glucose_unit"] = _("Choose the unit of your glucose reading: mmol/L or mg/dL.")
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class DiaryDayRead:
    """What the diary's form asks about a day, read under the patient's lock by the save:
    the day's entry as it stands, the conditional questions and the dose question."""

    entry: DiaryEntry | None
    questions: DiaryQuestions
    dose_question: DoseQuestion | None


# The answers of a diary day: the diary fields, and the dose answer ("" for none).
Answers = tuple[Mapping[str, object], str]


def _record_dose(
    *, picture: ClinicalPicture, status: str, recorded_by: User, now: datetime
) -> ClinicalPicture:
    """Record the diary's dose answer in the dose log (a no-op when unchanged). Returns the
    picture, read again when the dose log changed (with any flag the dose raised)."""
    if not status:
        return picture
    question = picture.dose_question
    if question is None:
        raise ValidationError({"dose": _("You have no active regimen, so no dose to record.")})
    if question.logged == status:
        return picture
    try:
        treatment().dose_record(
            patient=picture.patient,
            day=picture.day,
            status=status,
            recorded_by=recorded_by,
            now=now,
        )
    except ValidationError as error:
        raise ValidationError({"dose": error.messages}) from None
    return clinical_picture(patient=picture.patient, today=picture.today, day=picture.day)


def _write_entry(
    *, picture: ClinicalPicture, entered_by: User, now: datetime, values: Mapping, why: str
) -> DiaryEntry:
    """Write the day's entry (a new version in its history). The picture was read under the
    patient's lock, which every diary write takes first: the entry it holds is current and
    no one else can write the day meanwhile."""
    entry = picture.entry
    if entry is None:
        entry = DiaryEntry(
            patient=picture.patient,
            local_date=picture.day,
            entered_by=entered_by,
            created_at=now,
            updated_at=now,
        )
    for name, value in values.items():
        setattr(entry, name, value)
    entry.entered_by = entered_by
    entry.updated_at = now
    entry._change_reason = why
    entry.save()
    picture.entry_saved(entry)
    return entry


@transaction.atomic
def diary_day_save(
    *,
    patient: Patient,
    day: date,
    entered_by: User,
    today: date,
    answers: Callable[[DiaryDayRead], Answers | None],
    now: datetime | None = None,
) -> DiaryEntry | None:
    """Write or change the patient's entry for `day` (their local date): one per day, every
    version kept in the history. Refused for a future day or after DIARY_EDIT_DAYS.

    The patient's clinical picture is read once, under the patient's lock, and serves the
    form, the dose answer, the flag rules and the status row. `answers(read)` gets what the
    form asks about the day (DiaryDayRead) and returns the answers (the diary fields, an
    unanswered one None or ""; the dose, taken, skipped or missed, "" for no answer, which
    goes to the regimen's dose log), or None when the form is not valid: nothing is saved.
    """
    now = now or timezone.now()
    picture = clinical_picture(patient=patient, today=today, day=day)
    answered = answers(
        DiaryDayRead(
            entry=picture.entry, questions=picture.questions, dose_question=picture.dose_question
        )
    )
    if answered is None:
        return None
    values, dose_status = answered
    errors = diary_day_errors(day=day, today=today)
    if errors:
        raise ValidationError(errors)
    _check_values(values)
    picture = _record_dose(picture=picture, status=dose_status, recorded_by=entered_by, now=now)
    entry = _write_entry(
        picture=picture, entered_by=entered_by, now=now, values=values, why="diary"
    )
    flags_evaluate(patient=patient, today=today, now=now, picture=picture)
    return entry


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
    """diary_day_save with the answers known beforehand: `values` holds the diary fields
    answered; `dose_status` the dose answer."""
    now = now or timezone.now()
    errors = diary_day_errors(day=day, today=today)
    if errors:
        raise ValidationError(errors)
    _check_values(values)
    return diary_day_save(
        patient=patient,
        day=day,
        entered_by=entered_by,
        today=today,
        answers=lambda _read: (values, dose_status),
        now=now,
    )


@transaction.atomic
def morning_checkin_record(
    *,
    patient: Patient,
    today: date,
    entered_by: User,
    sleep_quality: int | None = None,
    vivid_dreams: int | None = None,
    day: date | None = None,
    now: datetime | None = None,
) -> DiaryEntry:
    """The two-tap morning check-in: last night's sleep and dreams, on today's entry (made if
    there is none yet). Each tap saves on its own; the first stamps morning_checkin_at.

    `day` is the day the tap was made on when a phone kept it offline and sends it later
    (portal.core.offline): refused, like the diary form, for a future day or after
    DIARY_EDIT_DAYS."""
    now = now or timezone.now()
    day = day or today
    if day != today:
        errors = diary_day_errors(day=day, today=today)
        if errors:
            raise ValidationError(errors)
    values = {}
    if sleep_quality is not None:
        values["sleep_quality"] = sleep_quality
    if vivid_dreams is not None:
        values["vivid_dreams"] = vivid_dreams
    _check_values(values)
    picture = clinical_picture(patient=patient, today=today, day=day)
    entry = _write_entry(
        picture=picture, entered_by=entered_by, now=now, values=values, why="morning check-in"
    )
    if entry.morning_checkin_at is None:
        entry.morning_checkin_at = now
        entry._change_reason = "morning check-in"
        entry.save(update_fields=["morning_checkin_at"])
    flags_evaluate(patient=patient, today=today, now=now, picture=picture)
    return entry
