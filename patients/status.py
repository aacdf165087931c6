"""The patient's clinical picture is refreshed by every service that changes it, in the same
transaction: `status_refresh(patient=...)`.

What the picture holds is worked out by the apps that know it: the treatment (regimens)
registers its refresher when the portal starts (regimens.apps), so the patient record's
services can ask for a refresh without importing regimens (README, "Layers").
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from patients.selectors.side_effects import worst_of
from patients.treatment import DoseQuestion, TreatmentFacts
from portal.lib.language import in_portal_language

_REFRESHERS: list[Callable[..., None]] = []


def register_refresher(refresher: Callable[..., None]) -> None:
    """`refresher(*, patient, now)` brings PatientStatus and what follows from it up to date."""
    if refresher not in _REFRESHERS:
        _REFRESHERS.append(refresher)


@in_portal_language
def status_refresh(*, patient, now: datetime | None = None, picture=None) -> None:
    """Refresh the patient's status; `picture` (a ClinicalPicture read in this transaction,
    brought up to date by the caller) spares the refreshers their own reads."""
    now = now or timezone.now()
    for refresher in _REFRESHERS:
        if picture is None:
            refresher(patient=patient, now=now)
        else:
            refresher(patient=patient, now=now, picture=picture)


_HISTORY_WRITERS: list[Callable[..., None]] = []


def register_history_writer(writer: Callable[..., None]) -> None:
    """`writer(*, patient, event, actor, note, now)` adds a line to the history people read
    (the treatment's plan history), e.g. when a provider acknowledges an opioid flag."""
    if writer not in _HISTORY_WRITERS:
        _HISTORY_WRITERS.append(writer)


def history_record(*, patient, event: str, actor, note: str = "", now=None) -> None:
    now = now or timezone.now()
    for writer in _HISTORY_WRITERS:
        writer(patient=patient, event=event, actor=actor, note=note, now=now)


# The clinical picture, read once per save --------------------------------------------------


@dataclass
class ClinicalPicture:
    """Everything the flag rules and the status row need to know about one patient on
    `today`, read in one go under the patient's lock (a diary save reads it once and hands
    it to both, instead of each reading the regimen, the diary, the side effects and the
    dose log again). Filled by the treatment's reader (regimens.services.status); the
    services that write patch what they wrote in (`entry_saved`, `open_flags`)."""

    patient: object
    today: date
    day: date | None  # the diary day being saved, if any
    status_row: object | None  # the patient's PatientStatus, read with the lock
    regimen: object | None  # the open regimen, with its protocol and steps
    treatment: TreatmentFacts
    questions: object  # patients.selectors.diary.DiaryQuestions
    thyroid_patient: bool
    blocking_medications: list  # the medications that block LDN (opioids)
    plans: list  # the approved and proposed pause plans, by their first day
    first: date  # the diary and the side effects are read from this day to `today`
    entries: dict[date, object]  # DiaryEntry by day: those with a side effect, and the recent
    reports: list  # the side effects reported on Tonight or by the care team (SideEffect)
    dose_logs: list[tuple[int, date, str]]  # (regimen id, day, status) from an early day on
    last_diary_on: date | None
    dose_question: DoseQuestion | None = None  # the diary's dose question for `day`
    # The patient's open flags (every kind), set by the flag evaluation that used it.
    open_flags: list | None = field(default=None)

    @property
    def entry(self):
        """The diary entry of `day` as it stands (None when there is none yet)."""
        return self.entries.get(self.day) if self.day else None

    def entry_saved(self, entry) -> None:
        """The day's entry as just written: the rules and the status see it without a
        re-read."""
        entry.entered_by_role = entry.entered_by.role if entry.entered_by_id else None
        self.entries[entry.local_date] = entry
        day = entry.local_date
        if day <= self.today and (self.last_diary_on is None or day > self.last_diary_on):
            self.last_diary_on = day

    def side_effects(self, first: date, last: date) -> list:
        """The side effects from `first` to `last` of every source, one per day and item at
        the worse severity (as patients.selectors.side_effects reads them)."""
        if first < self.first:
            raise ValueError("the picture was read from a later day")
        entries = [e for day, e in self.entries.items() if first <= day <= last]
        reports = [r for r in self.reports if first <= r.day <= last]
        return worst_of(entries=entries, reports=reports)

    def logs_of(self, regimen_id: int) -> list[tuple[date, str]]:
        return [(on, status) for rid, on, status in self.dose_logs if rid == regimen_id]


_PICTURE_READERS: list[Callable[..., ClinicalPicture]] = []


def register_picture_reader(reader: Callable[..., ClinicalPicture]) -> None:
    """`reader(*, patient, today, day)` locks the patient and reads its ClinicalPicture."""
    if reader not in _PICTURE_READERS:
        _PICTURE_READERS.append(reader)


def clinical_picture(*, patient, today: date, day: date | None = None) -> ClinicalPicture:
    """Lock the patient and read their clinical picture on `today` (in the caller's
    transaction), with the diary day `day` when a save is about it."""
    if not _PICTURE_READERS:
        raise LookupError("No app reads the clinical picture: is regimens installed?")
    return _PICTURE_READERS[0](patient=patient, today=today, day=day)
