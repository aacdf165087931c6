"""Regimen fixtures: the cast's patient on the provider's care team, protocols from the seed
migration, and a builder for regimens at any point of their plan."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from patients.services.profile import care_team_add
from patients.status import status_refresh
from regimens import safety
from regimens.models import Protocol
from regimens.services.reports import dose_log_mark
from regimens.services.start import regimen_start
from tests.regimens.seeds import ensure_protocols

D = Decimal
# 15:00 UTC is 10:00 in New York, the cast's time zone: the same local date everywhere.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)
LIQUID = safety.Formulation(kind=safety.LIQUID, concentration_mg_per_ml=D("1"))
CAPSULES = safety.Formulation(kind=safety.CAPSULE, capsule_strengths_mg=(D("1.5"),))
WEEKLY = "ldnrt-1-mg-weekly"  # 1, 2, 3, 4, 4.5 mg every 7 days
CLINIC = "clinic-1-5-mg-fortnightly"  # 1.5, 3, 4.5 mg every 14 days
SENSITIVE = "sensitive-0-5-mg-fortnightly"


@pytest.fixture(autouse=True)
def _seeded_protocols(request):
    """Database tests find the seeded protocols, even after a flush (see seeds.py)."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        ensure_protocols()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def patient(patient_user):
    return patient_user.patient


@pytest.fixture
def team(patient, provider):
    """The provider, on the patient's care team."""
    care_team_add(patient=patient, provider=provider, added_by=provider)
    return provider


def protocol(family: str = WEEKLY) -> Protocol:
    return Protocol.objects.get(family=family, retired_at__isnull=True)


@pytest.fixture
def start_regimen(db):
    """Start a regimen `days_ago` days before TODAY (decisions default to TODAY)."""

    def _start(patient, provider, *, family=WEEKLY, formulation=LIQUID, days_ago=0, **extra):
        start_on = TODAY - timedelta(days=days_ago)
        return regimen_start(
            patient=patient,
            protocol=protocol(family),
            formulation=formulation,
            dose_time=extra.pop("dose_time", "bedtime"),
            start_on=start_on,
            started_by=provider,
            today=extra.pop("today", TODAY),
            **extra,
        )

    return _start


def log_taken(regimen, *, until=TODAY, missed=()):
    """Mark the dose taken on every day of the current step before `until` (`missed`: those
    dates missed instead), as the patient would on Tonight, and refresh the patient's
    status: a step up needs the doses taken (docs/clinical-rules.md §3.7)."""
    day = regimen.steps.get(status="current").started_on
    while day < until:
        dose_log_mark(
            regimen=regimen,
            on=day,
            status="missed" if day in missed else "taken",
            recorded_by=regimen.patient.user,
            evaluate_flags=False,
        )
        day += timedelta(days=1)
    status_refresh(patient=regimen.patient)
    return regimen
