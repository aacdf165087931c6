"""Starting a regimen: the service, its refusals, and the steps it plans."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from patients.services.medications import medication_add, medication_stop
from regimens import safety
from regimens.models import Regimen, RegimenEvent
from regimens.services.start import regimen_start
from tests.regimens.conftest import CAPSULES, CLINIC, LIQUID, SENSITIVE, TODAY, WEEKLY, protocol

D = Decimal


def _plan(regimen):
    return [(s.dose_mg, s.starts_on, s.status) for s in regimen.steps.order_by("sequence")]


@pytest.mark.django_db
def test_it_plans_the_steps_from_the_protocol(patient, team, start_regimen):
    regimen = start_regimen(patient, team, family=WEEKLY)

    days = [TODAY + timedelta(days=7 * n) for n in range(5)]
    assert _plan(regimen) == [
        (D("1"), days[0], "current"),
        (D("2"), days[1], "planned"),
        (D("3"), days[2], "planned"),
        (D("4"), days[3], "planned"),
        (D("4.5"), days[4], "planned"),
    ]
    assert regimen.status == "active" and regimen.started_by == team
    event = regimen.events.get()
    assert (event.kind, event.to_mg, event.actor) == ("started", D("1"), team)
    assert regimen.history.first().history_change_reason == "started"


@pytest.mark.django_db
def test_it_starts_at_a_dose_the_provider_chooses(patient, team, start_regimen):
    regimen = start_regimen(patient, team, family=CLINIC, formulation=CAPSULES, start_mg=D("3"))

    assert [s.dose_mg for s in regimen.steps.order_by("sequence")] == [D("3"), D("4.5")]


@pytest.mark.django_db
def test_it_refuses_steps_the_formulation_cannot_measure_and_suggests_a_liquid(
    patient, team, start_regimen
):
    with pytest.raises(ValidationError) as refused:
        start_regimen(patient, team, family=SENSITIVE, formulation=CAPSULES)

    message = " ".join(refused.value.message_dict["form"])
    assert "0.5 mg cannot be made" in message and "liquid" in message
    assert not Regimen.objects.exists()


@pytest.mark.parametrize(
    ("dose", "expected"),
    [
        ("0", "more than 0 mg"),
        ("-1", "more than 0 mg"),
        ("50", "standard-dose naltrexone"),
        ("7", "above the LDN range"),
        ("1.05", "0.1 mL steps"),
    ],
)
@pytest.mark.django_db
def test_it_refuses_a_start_dose_outside_the_rules(patient, team, start_regimen, dose, expected):
    with pytest.raises(ValidationError) as refused:
        start_regimen(patient, team, start_mg=D(dose))

    assert expected in " ".join(refused.value.message_dict["start_mg"])
    assert not Regimen.objects.exists()


@pytest.mark.django_db
def test_it_needs_a_provider_decision_to_start_above_the_ceiling(patient, team, start_regimen):
    with pytest.raises(ValidationError, match="ceiling"):
        start_regimen(patient, team, start_mg=D("5"))

    regimen = start_regimen(
        patient, team, start_mg=D("5"), above_ceiling_reason="Tolerated 5 mg before"
    )
    assert regimen.steps.get().above_ceiling_reason == "Tolerated 5 mg before"


@pytest.mark.django_db
def test_it_allows_a_configured_ceiling_above_six_mg(settings, patient, team, start_regimen):
    settings.LDN = {**settings.LDN, "ALLOWED_CEILING_MG": "9"}

    regimen = start_regimen(patient, team, start_mg=D("7"), above_ceiling_reason="FINAL trial")

    assert regimen.steps.get().dose_mg == D("7")


@pytest.mark.django_db
def test_it_refuses_a_second_open_regimen(patient, team, start_regimen):
    start_regimen(patient, team)

    with pytest.raises(ValidationError, match="already has an active or paused regimen"):
        start_regimen(patient, team)
    assert patient.regimens.count() == 1


@pytest.mark.django_db
def test_it_refuses_to_start_while_an_opioid_blocks_unless_overridden(patient, team, start_regimen):
    tramadol = medication_add(patient=patient, name="Tramadol 50 mg", added_by=patient.user)

    with pytest.raises(ValidationError) as refused:
        start_regimen(patient, team)
    assert (
        "Tramadol 50 mg is still taken" in refused.value.message_dict["opioid_override_reason"][0]
    )

    medication_stop(medication=tramadol, stopped_on=TODAY - timedelta(days=3))
    with pytest.raises(ValidationError) as refused:
        start_regimen(patient, team)
    assert "washout ends on 17 Mar 2026" in refused.value.message_dict["opioid_override_reason"][0]
    assert not Regimen.objects.exists()

    regimen = start_regimen(patient, team, opioid_override_reason="Single dose after dental work")
    assert regimen.opioid_override_reason == "Single dose after dental work"
    override = regimen.events.get(kind=RegimenEvent.Kind.OPIOID_OVERRIDE)
    assert override.note == "Single dose after dental work" and override.actor == team
    assert "opioid override" in regimen.history.first().history_change_reason


@pytest.mark.django_db
def test_it_starts_once_the_washout_has_passed(patient, team, start_regimen):
    tramadol = medication_add(patient=patient, name="Tramadol", added_by=patient.user)
    medication_stop(medication=tramadol, stopped_on=TODAY - timedelta(days=10))

    regimen = start_regimen(patient, team)

    assert regimen.opioid_override_reason == ""


@pytest.mark.django_db
def test_it_refuses_a_retired_protocol_and_an_unusable_formulation(patient, team):
    weekly = protocol(WEEKLY)
    liquid_without_concentration = safety.Formulation(kind="liquid")
    values = {
        "patient": patient,
        "dose_time": "bedtime",
        "start_on": TODAY,
        "started_by": team,
        "today": TODAY,
    }

    with pytest.raises(ValidationError, match="concentration"):
        regimen_start(protocol=weekly, formulation=liquid_without_concentration, **values)
    weekly.retired_at = weekly.created_at
    weekly.save()
    with pytest.raises(ValidationError, match="retired"):
        regimen_start(protocol=weekly, formulation=LIQUID, **values)
    assert not Regimen.objects.exists()
