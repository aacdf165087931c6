"""Entries a patient's phone kept while it had no connection, sent when it is back online:
tonight's dose mark, a diary day and a tap of the morning check-in (README, "Install and
offline").

Each entry carries the key the phone gave it (a UUID). The key is saved in the same
transaction as the entry, under a unique constraint, so the same entry sent twice (a retry,
Background Sync and the page both sending it, two tabs) is saved once. An entry for a day the
portal already has a newer answer for (written later, from another device) is not saved over
it: the answer is a conflict, shown to the patient to choose, and sent again with their
choice ("phone" to save it, "portal" to keep what is there).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.forms.diary import (
    DREAM_TAP_LABELS,
    DREAM_TAPS,
    SLEEP_TAP_LABELS,
    SLEEP_TAPS,
    DiaryEntryForm,
    MorningCheckinForm,
)
from patients.models import Patient
from patients.selectors import diary as diary_selectors
from patients.services.diary import diary_entry_save, morning_checkin_record
from portal.core.models import OfflineSubmission
from portal.lib.formats import when
from regimens.models import DoseLog
from regimens.selectors.regimens import current_regimen
from regimens.services.reports import dose_log_mark

CHOICES = ("", "phone", "portal")


@dataclass(frozen=True)
class Outcome:
    """saved, duplicate (sent before: nothing more saved), kept_server (the patient kept the
    portal's answer), conflict (a newer answer is on the portal: `server` describes it) or
    invalid (`errors` by field, nothing saved)."""

    result: str
    errors: dict = field(default_factory=dict)
    server: dict = field(default_factory=dict)


def _claim(*, key, user, kind, day, outcome, now) -> bool:
    """Write the key; False when it is there already (this entry was sent before)."""
    try:
        with transaction.atomic():
            OfflineSubmission.objects.create(
                key=key, user=user, kind=kind, day=day, outcome=outcome, received_at=now
            )
    except IntegrityError:
        return False
    return True


def form_key_claim(*, key, user, kind, day, now=None) -> bool:
    """Claim the key of an entry posted by the page's own form (portal.core.middleware), in
    the caller's transaction with the form's save; False when it was sent before."""
    return _claim(
        key=key,
        user=user,
        kind=kind,
        day=day,
        outcome=OfflineSubmission.Outcome.SAVED,
        now=now or timezone.now(),
    )


def _settled_by_key(*, key, user, kind, day, choice, now) -> Outcome | None:
    """Claim the entry's key. The answer when nothing more is to be saved (it was sent
    before, or the patient kept the portal's version); None to go on and save it."""
    kept = choice == "portal"
    outcome = OfflineSubmission.Outcome.KEPT_SERVER if kept else OfflineSubmission.Outcome.SAVED
    if not _claim(key=key, user=user, kind=kind, day=day, outcome=outcome, now=now):
        return Outcome("duplicate")
    return Outcome("kept_server") if kept else None


def _refuse(result: str, **details) -> Outcome:
    transaction.set_rollback(True)
    return Outcome(result, **details)


@transaction.atomic
def offline_dose_submit(
    *,
    patient: Patient,
    key,
    day: date,
    status: str,
    saved_at: datetime,
    today: date,
    choice: str = "",
    now: datetime | None = None,
) -> Outcome:
    """Mark `day`'s dose as the phone recorded it at `saved_at`."""
    now = now or timezone.now()
    user = patient.user
    settled = _settled_by_key(key=key, user=user, kind="dose", day=day, choice=choice, now=now)
    if settled is not None:
        return settled
    if status not in DoseLog.Status.values:
        return _refuse("invalid", errors={"status": [_("Choose taken, skipped or missed.")]})
    day_errors = diary_selectors.diary_day_errors(day=day, today=today)
    if day_errors:
        return _refuse("invalid", errors={"day": day_errors})
    regimen = current_regimen(patient=patient)
    if regimen is None:
        return _refuse(
            "invalid", errors={"status": [_("You have no active regimen, so no dose to record.")]}
        )
    existing = DoseLog.objects.filter(regimen=regimen, on=day).first()
    if (
        existing is not None
        and existing.status != status
        and existing.recorded_at > saved_at
        and choice != "phone"
    ):
        return _refuse(
            "conflict",
            server={
                "status": str(existing.get_status_display()),
                "recorded_at": when(existing.recorded_at, user.timezone),
            },
        )
    try:
        dose_log_mark(regimen=regimen, on=day, status=status, recorded_by=user, now=now)
    except ValidationError as error:
        return _refuse("invalid", errors={"status": error.messages})
    return Outcome("saved")


def _diary_summary(entry, form) -> dict:
    """The portal's entry in the words of the diary form, for the patient to compare."""
    answers = []
    for name, form_field in form.fields.items():
        value = getattr(entry, name, None)
        if value in (None, "") or name == "day":
            continue
        choices = dict(getattr(form_field, "choices", []) or [])
        answers.append([str(form_field.label), str(choices.get(value, value))])
    return {"answers": answers}


@transaction.atomic
def offline_diary_submit(
    *,
    patient: Patient,
    key,
    day: date,
    fields: dict,
    saved_at: datetime,
    today: date,
    choice: str = "",
    now: datetime | None = None,
) -> Outcome:
    """Save the diary day the phone kept: the diary form's own checks, then its service."""
    now = now or timezone.now()
    user = patient.user
    settled = _settled_by_key(key=key, user=user, kind="diary", day=day, choice=choice, now=now)
    if settled is not None:
        return settled
    day_errors = diary_selectors.diary_day_errors(day=day, today=today)
    if day_errors:
        return _refuse("invalid", errors={"day": day_errors})
    existing = diary_selectors.diary_entry_on(patient=patient, day=day)
    question = diary_selectors.dose_question(patient=patient, day=day)
    # The offline page's form holds only the day's scores and names them: the rest of a day
    # already kept stays as it is.
    only = set(str(fields.get("only") or "").split())
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        if name in ("csrfmiddlewaretoken", "day", "only"):
            continue
        data.setlist(name, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    form = DiaryEntryForm(
        data,
        questions=diary_selectors.diary_questions(patient=patient),
        today=today,
        day=day,
        entry=existing,
        ask_dose=question is not None,
        dose_status=question.logged if question else "",
    )
    if not form.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        return _refuse("invalid", errors=errors)
    if existing is not None and existing.updated_at > saved_at and choice != "phone":
        return _refuse("conflict", server=_diary_summary(existing, form))
    try:
        diary_entry_save(
            patient=patient,
            day=day,
            entered_by=user,
            today=today,
            values=_posted(form.entry_values(), only),
            dose_status=form.dose_status(),
            now=now,
        )
    except ValidationError as error:
        return _refuse("invalid", errors={"__all__": error.messages})
    return Outcome("saved")


def _posted(values: dict, only: set[str]) -> dict:
    """The values to write: all the form's, or only the fields a partial form named."""
    if not only:
        return values
    return {name: value for name, value in values.items() if name in only}


# A morning tap, by the diary field it writes: the form's field, its question, its taps.
MORNING_FIELDS = {
    "sleep_quality": ("sleep", SLEEP_TAPS, SLEEP_TAP_LABELS),
    "vivid_dreams": ("dreams", DREAM_TAPS, DREAM_TAP_LABELS),
}


def _morning_question(name: str) -> str:
    return _("How did you sleep?") if name == "sleep_quality" else _("Dreams?")


def _morning_answer(name: str, value) -> str:
    """The portal's answer in the words of the tap that gives it (a sleep score written in
    the diary form, not by a tap, as the score)."""
    _field, taps, labels = MORNING_FIELDS[name]
    for tap, tap_value in taps.items():
        if tap_value == value:
            return str(labels[tap])
    return str(value)


@transaction.atomic
def offline_morning_submit(
    *,
    patient: Patient,
    key,
    day: date,
    fields: dict,
    saved_at: datetime,
    today: date,
    choice: str = "",
    now: datetime | None = None,
) -> Outcome:
    """Save a tap of the morning check-in the phone kept (sleep or dreams), on the day it was
    tapped. Its key is claimed as a diary entry's: the tap writes that day's diary entry.
    A conflict is a different answer to the same question, written on the portal after the
    tap."""
    now = now or timezone.now()
    user = patient.user
    settled = _settled_by_key(key=key, user=user, kind="diary", day=day, choice=choice, now=now)
    if settled is not None:
        return settled
    day_errors = diary_selectors.diary_day_errors(day=day, today=today)
    if day_errors:
        return _refuse("invalid", errors={"day": day_errors})
    data = {name: str(fields.get(name) or "") for name in ("sleep", "dreams")}
    form = MorningCheckinForm(data)
    if not form.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        return _refuse("invalid", errors=errors)
    values = form.values()
    existing = diary_selectors.diary_entry_on(patient=patient, day=day)
    if existing is not None and existing.updated_at > saved_at and choice != "phone":
        differing = [
            name
            for name, value in values.items()
            if value is not None and getattr(existing, name) not in (None, value)
        ]
        if differing:
            answers = [
                [_morning_question(name), _morning_answer(name, getattr(existing, name))]
                for name in differing
            ]
            return _refuse("conflict", server={"answers": answers})
    try:
        morning_checkin_record(
            patient=patient, today=today, entered_by=user, day=day, now=now, **values
        )
    except ValidationError as error:
        return _refuse("invalid", errors={"__all__": error.messages})
    return Outcome("saved")
