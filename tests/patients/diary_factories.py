"""Factories and helpers for the symptom diary's tests (test modules define their own
fixtures, as the other tests here do)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import factory

from patients.models import DiaryEntry, Flag
from regimens import safety
from regimens.models import Protocol
from regimens.services.decisions import regimen_advance
from regimens.services.start import regimen_start
from tests.regimens.seeds import ensure_protocols

# 15:00 UTC is 10:00 in New York, the cast's time zone: the same local date everywhere.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)
LIQUID = safety.Formulation(kind=safety.LIQUID, concentration_mg_per_ml=Decimal("1"))
WEEKLY = "ldnrt-1-mg-weekly"  # 1, 2, 3, 4, 4.5 mg every 7 days


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


class DiaryEntryFactory(factory.django.DjangoModelFactory):
    """A diary entry written straight to the table (no flags evaluated): for setting scenes.
    Tests of what happens on save go through patients.diary_services."""

    class Meta:
        model = DiaryEntry

    local_date = TODAY
    entered_by = factory.SelfAttribute("patient.user")
    created_at = NOW
    updated_at = NOW


def diary_days(patient, days, **values) -> list[DiaryEntry]:
    """One entry per day in `days` (days ago), each with the same values."""
    return [DiaryEntryFactory(patient=patient, local_date=days_ago(n), **values) for n in days]


def open_flags(patient, kind=None) -> list[Flag]:
    flags = Flag.objects.filter(patient=patient, resolved_at__isnull=True)
    if kind:
        flags = flags.filter(kind=kind)
    return list(flags.order_by("cause"))


def start_regimen(patient, provider, *, days_ago: int = 3, family: str = WEEKLY, **extra):
    """A regimen started `days_ago` days before TODAY; 1 mg + 1 mg weekly liquid by default."""
    ensure_protocols()  # browser journeys flush what data migrations wrote
    start_on = TODAY - timedelta(days=days_ago)
    return regimen_start(
        patient=patient,
        protocol=Protocol.objects.get(family=family, retired_at__isnull=True),
        formulation=extra.pop("formulation", LIQUID),
        dose_time=extra.pop("dose_time", "bedtime"),
        start_on=start_on,
        started_by=provider,
        today=TODAY,
        **extra,
    )


def step_up(regimen, provider, *, days_ago: int, dose: str):
    return regimen_advance(
        regimen=regimen,
        dose_mg=Decimal(dose),
        decided_by=provider,
        reason="tolerating_well",
        today=TODAY - timedelta(days=days_ago),
    )
