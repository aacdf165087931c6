"""The invariants the database keeps, whatever code writes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from regimens.models import CalendarFeed, DoseLog, Protocol, Regimen, TitrationStep
from tests.regimens.conftest import TODAY, protocol

D = Decimal


def _regimen(patient, provider, **fields):
    values = {
        "patient": patient,
        "protocol": protocol(),
        "form": "liquid",
        "concentration_mg_per_ml": D("1"),
        "dose_time": "bedtime",
        "started_on": TODAY,
        "started_by": provider,
    } | fields
    return Regimen.objects.create(**values)


def _refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.mark.django_db
def test_it_allows_one_active_or_paused_regimen_per_patient(patient, provider):
    _regimen(patient, provider)

    _refused(lambda: _regimen(patient, provider))
    _refused(lambda: _regimen(patient, provider, status="paused", paused_on=TODAY))
    _regimen(patient, provider, status="stopped", ended_on=TODAY)
    assert patient.regimens.count() == 2


@pytest.mark.django_db
def test_it_refuses_a_liquid_without_a_concentration(patient, provider):
    _refused(lambda: _regimen(patient, provider, concentration_mg_per_ml=None))
    _refused(lambda: _regimen(patient, provider, form="capsule", capsule_strengths=""))
    _refused(lambda: _regimen(patient, provider, form="drops", mg_per_drop=D("0")))


@pytest.mark.django_db
def test_it_needs_an_end_date_exactly_when_a_regimen_is_closed(patient, provider):
    _refused(lambda: _regimen(patient, provider, status="stopped"))
    _refused(lambda: _regimen(patient, provider, ended_on=TODAY))
    _refused(lambda: _regimen(patient, provider, status="paused"))


@pytest.mark.django_db
def test_it_keeps_one_current_step_and_unique_sequences(patient, provider):
    regimen = _regimen(patient, provider)
    step = {"regimen": regimen, "dose_mg": D("1"), "dose_time": "bedtime", "planned_on": TODAY}
    TitrationStep.objects.create(sequence=1, status="current", started_on=TODAY, **step)

    _refused(
        lambda: TitrationStep.objects.create(sequence=2, status="current", started_on=TODAY, **step)
    )
    _refused(lambda: TitrationStep.objects.create(sequence=1, **step))
    _refused(
        lambda: TitrationStep.objects.create(sequence=3, status="planned", started_on=TODAY, **step)
    )
    _refused(lambda: TitrationStep.objects.create(sequence=4, **(step | {"dose_mg": D("0")})))


@pytest.mark.django_db
def test_it_keeps_one_dose_log_per_regimen_per_day(patient, provider):
    regimen = _regimen(patient, provider)
    log = {"regimen": regimen, "dose_mg": D("1"), "recorded_by": patient.user}
    DoseLog.objects.create(on=TODAY, status="taken", recorded_at=timezone.now(), **log)

    _refused(
        lambda: DoseLog.objects.create(on=TODAY, status="missed", recorded_at=timezone.now(), **log)
    )
    DoseLog.objects.create(
        on=TODAY - timedelta(days=1), status="missed", recorded_at=timezone.now(), **log
    )


@pytest.mark.django_db
def test_it_keeps_protocol_numbers_consistent():
    base = {
        "family": "x",
        "name": "X",
        "start_mg": D("1"),
        "step_mg": D("1"),
        "interval_days": 7,
        "target_mg": D("4.5"),
        "ceiling_mg": D("4.5"),
        "source": "s",
        "source_url": "https://example.org",
    }
    _refused(lambda: Protocol.objects.create(**(base | {"target_mg": D("5")})))
    _refused(lambda: Protocol.objects.create(**(base | {"start_mg": D("5"), "target_mg": D("4")})))
    _refused(lambda: Protocol.objects.create(**(base | {"step_mg": D("0")})))
    _refused(lambda: Protocol.objects.create(**(base | {"interval_days": 0})))
    _refused(lambda: Protocol.objects.create(**(base | {"family": protocol().family})))
    Protocol.objects.create(**base)


@pytest.mark.django_db
def test_it_keeps_one_live_calendar_feed_per_patient_with_a_long_token(patient):
    CalendarFeed.objects.create(patient=patient, token="a" * 43, created_at=timezone.now())

    _refused(
        lambda: CalendarFeed.objects.create(
            patient=patient, token="b" * 43, created_at=timezone.now()
        )
    )
    _refused(
        lambda: CalendarFeed.objects.create(
            patient=patient, token="short", created_at=timezone.now(), revoked_at=timezone.now()
        )
    )
