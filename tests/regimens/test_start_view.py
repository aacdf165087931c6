"""The provider's "Start a regimen" page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from patients.services.medications import medication_add
from portal.audit.models import AccessEvent
from regimens.models import Regimen
from tests.regimens.conftest import SENSITIVE, TODAY, WEEKLY, protocol

D = Decimal


def _url(patient):
    return reverse("regimen_start", args=[patient.pk])


def _data(**changes):
    data = {
        "protocol": protocol(WEEKLY).pk,
        "form": "liquid",
        "concentration_mg_per_ml": "1",
        "dose_time": "bedtime",
        "start_on": TODAY.isoformat(),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _errors(response, field):
    return [str(e) for e in response.context["form"].errors.get(field, [])]


@pytest.mark.django_db
def test_it_refuses_everyone_but_the_care_team(
    client_for, frozen, patient, team, other_provider, patient_user, admin_user
):
    assert client_for(other_provider).get(_url(patient)).status_code == 404
    assert client_for(other_provider).post(_url(patient), _data()).status_code == 404
    assert client_for(patient_user).get(_url(patient)).status_code == 403
    assert client_for(admin_user).post(_url(patient), _data()).status_code == 403
    assert not Regimen.objects.exists()


@pytest.mark.django_db
def test_it_shows_the_protocols_with_their_sources(client_for, frozen, patient, team):
    response = client_for(team).get(_url(patient))

    page = response.content.decode()
    assert response.status_code == 200
    assert protocol(WEEKLY).source_url in page
    assert "1 mg, plus 1 mg weekly to 4.5 mg: 1 → 2 → 3 → 4 → 4.5 mg, every 7 days" in page
    assert "Hashimoto" in page
    assert AccessEvent.objects.filter(actor=team, patient=patient).exists()


@pytest.mark.django_db
def test_it_starts_a_regimen_with_a_liquid(client_for, frozen, patient, team):
    response = client_for(team).post(_url(patient), _data())

    regimen = Regimen.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("regimen_detail", args=[patient.pk, regimen.pk])
    assert regimen.formulation_label == "liquid, 1 mg/mL"
    assert regimen.steps.count() == 5


@pytest.mark.django_db
def test_it_starts_a_regimen_with_capsules_of_several_strengths(client_for, frozen, patient, team):
    client_for(team).post(_url(patient), _data(form="capsule", capsule_strengths="4.5, 1"))

    regimen = Regimen.objects.get()
    assert regimen.capsule_strengths == "1,4.5"
    assert regimen.formulation_label == "capsules of 1 mg, 4.5 mg"


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        (
            {"concentration_mg_per_ml": None},
            "concentration_mg_per_ml",
            "concentration in mg per mL",
        ),
        ({"form": "capsule"}, "capsule_strengths", "at least one strength"),
        (
            {"form": "capsule", "capsule_strengths": "1.5; x"},
            "capsule_strengths",
            "separated by commas",
        ),
        ({"start_mg": "0"}, "start_mg", "more than 0 mg"),
        ({"start_mg": "-1"}, "start_mg", "more than 0 mg"),
        ({"start_mg": "50"}, "start_mg", "standard-dose naltrexone"),
        ({"start_mg": "1.05"}, "start_mg", "0.1 mL steps"),
        ({"start_mg": "1.0005"}, "start_mg", "at most 3 decimals"),
        ({"start_mg": "5"}, "start_mg", "explicit decision"),
        ({"start_mg": "5", "above_ceiling": "on"}, "above_ceiling_reason", "Write why"),
        ({"start_on": (TODAY - timedelta(days=31)).isoformat()}, "start_on", "from 8 Feb 2026"),
        ({"start_on": (TODAY + timedelta(days=366)).isoformat()}, "start_on", "a year ahead"),
        ({"protocol": None}, "protocol", "Pick the protocol"),
    ],
)
@pytest.mark.django_db
def test_it_explains_bad_input_next_to_the_field(
    client_for, frozen, patient, team, changes, field, expected
):
    response = client_for(team).post(_url(patient), _data(**changes))

    assert response.status_code == 200
    assert any(expected in e for e in _errors(response, field)), response.context["form"].errors
    assert not Regimen.objects.exists()


@pytest.mark.django_db
def test_it_says_when_capsules_cannot_measure_the_protocols_steps(
    client_for, frozen, patient, team
):
    response = client_for(team).post(
        _url(patient),
        _data(protocol=protocol(SENSITIVE).pk, form="capsule", capsule_strengths="1.5"),
    )

    (error,) = _errors(response, "form")
    assert "0.5 mg cannot be made" in error and "use a liquid" in error
    assert not Regimen.objects.exists()


@pytest.mark.django_db
def test_it_explains_the_washout_and_needs_an_override_with_a_reason(
    client_for, frozen, patient, team
):
    medication_add(patient=patient, name="Tramadol 50 mg", added_by=team)
    client = client_for(team)

    page = client.get(_url(patient)).content.decode()
    assert "LDN must wait: opioids taken now or still in their washout" in page
    assert "Tramadol 50 mg is still taken" in page
    response = client.post(_url(patient), _data())
    assert "tick this box" in _errors(response, "opioid_override")[0]
    response = client.post(_url(patient), _data(opioid_override="on"))
    assert "Write why" in _errors(response, "opioid_override_reason")[0]
    assert not Regimen.objects.exists()

    client.post(
        _url(patient), _data(opioid_override="on", opioid_override_reason="Stopping it today")
    )
    assert Regimen.objects.get().opioid_override_reason == "Stopping it today"


@pytest.mark.django_db
def test_it_refuses_a_second_regimen_with_a_message(
    client_for, frozen, patient, team, start_regimen
):
    start_regimen(patient, team)
    client = client_for(team)

    assert "already has a regimen" in client.get(_url(patient)).content.decode()
    response = client.post(_url(patient), _data())
    assert "already has an active or paused regimen" in str(
        response.context["form"].non_field_errors()
    )
    assert Regimen.objects.count() == 1
