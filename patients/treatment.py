"""What the patient record needs to know of the LDN treatment.

The portal's layers put the patient record (this app) below the treatment (regimens): regimens
reads the record, the record never imports regimens (README, "Layers"). The few facts of the
treatment the record shows or reasons with come through this interface, which regimens
provides when the portal starts (regimens.apps.RegimensConfig.ready):

- the dose in effect each day and what the dose log says about it (the diary timeline, the
  trends and the CSV export draw it beside the symptoms);
- the active regimen's first day, the day the dose last went up and the missed doses (the
  flag rules and the 4-weekly PGIC);
- whether the diary may ask about a day's dose, and recording the answer in the dose log,
  which stays the one record of doses;
- what the treatment's cards on the care team's record page show (the open regimen with its
  steps, the planned pauses, the opioid status, the supply), read once for the page and
  handed to the cards, which the treatment draws (the record page does not look inside it).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from django.utils.translation import gettext_lazy

# What a form shows for a dose answer other than taken, skipped or missed (the diary's and
# Tonight's).
DOSE_STATUS_UNKNOWN = gettext_lazy("Choose taken, skipped or missed.")


@dataclass(frozen=True)
class DoseDay:
    """One day of the treatment: the dose in effect (None before a regimen began, while it
    was paused and after it ended) and the dose log's word for the day ("" when none)."""

    dose_mg: Decimal | None = None
    logged: str = ""  # "taken", "skipped", "missed" or ""
    logged_by_caregiver: str = ""  # the caregiver's name when a caregiver logged it


@dataclass(frozen=True)
class DoseStep:
    """A stretch of days on one dose, for drawing the dose beside the symptoms."""

    first: date
    last: date  # inclusive
    dose_mg: Decimal


@dataclass(frozen=True)
class TreatmentFacts:
    regimen_started_on: date | None = None  # the active regimen's first day
    latest_started_on: date | None = None  # the first day of the latest regimen begun by today
    step_up_on: date | None = None  # the current dose's first day when it was a step up
    missed_dose_days: tuple[date, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class RegimenStarts:
    """The first days the diary and the trends count from, without the rest of the facts."""

    active: date | None = None  # the active regimen's first day (TreatmentFacts.regimen_started_on)
    latest: date | None = None  # the latest regimen begun by today (.latest_started_on)


@dataclass(frozen=True)
class DoseQuestion:
    """The diary may ask about this day's dose: what the dose log says so far."""

    logged: str = ""


class Treatment(Protocol):
    def facts(self, *, patient, today: date, missed_since: date) -> TreatmentFacts: ...

    def regimen_starts(self, *, patient, today: date) -> RegimenStarts:
        """The two first days of `facts`, in one short read."""

    def dose_days(self, *, patient, first: date, last: date) -> dict[date, DoseDay]:
        """Every day from `first` to `last` with a dose in effect or a dose-log entry."""

    def logged_doses(self, *, patient) -> dict[date, DoseDay]:
        """Every day with a dose-log entry, with the dose it recorded."""

    def dose_steps(self, *, patient, first: date, last: date) -> list[DoseStep]: ...

    def dose_question(self, *, patient, day: date) -> DoseQuestion | None: ...

    def dose_record(
        self, *, patient, day: date, status: str, recorded_by, now: datetime
    ) -> None: ...

    def for_record(self, *, patient, today: date, medications) -> object:
        """The treatment cards' data for the record page, as of `today` (the patient's local
        date), from the patient's `medications` already read: passed to each card."""


_provider: Treatment | None = None


def register(provider: Treatment) -> None:
    global _provider
    _provider = provider


def treatment() -> Treatment:
    if _provider is None:
        raise LookupError("No app provides the treatment facts: is regimens installed?")
    return _provider
