"""One page per provider decision: a form with a coded reason, then the service."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from regimens.models import Regimen
from regimens.services.decisions import regimen_pause, regimen_stop
from tests.regimens.conftest import TODAY

D = Decimal


def _url(regimen, action):
    return reverse("regimen_decision", args=[regimen.patient_id, regimen.pk, action])


def _plan(regimen):
    return [(s.dose_mg, s.starts_on, s.status) for s in regimen.steps.order_by("sequence")]


@pytest.fixture
def regimen(patient, team, start_regimen):
    return start_regimen(patient, team, days_ago=7)


@pytest.mark.django_db
def test_it_refuses_everyone_but_the_care_team_and_changes_nothing(
    client_for, frozen, regimen, other_provider, patient_user, admin_user
):
    data = {"dose_mg": "2", "reason": "tolerating_well"}
    before = _plan(regimen)

    assert client_for(other_provider).post(_url(regimen, "advance"), data).status_code == 404
    assert client_for(patient_user).post(_url(regimen, "advance"), data).status_code == 403
    assert client_for(admin_user).get(_url(regimen, "advance")).status_code == 403
    assert _plan(regimen) == before


@pytest.mark.django_db
def test_it_answers_404_for_an_unknown_decision(client_for, frozen, regimen, team):
    assert client_for(team).get(_url(regimen, "double")).status_code == 404


@pytest.mark.django_db
def test_it_suggests_the_engines_dose_and_steps_up(client_for, frozen, regimen, team):
    client = client_for(team)

    form = client.get(_url(regimen, "advance")).context["form"]
    assert form.initial["dose_mg"] == "2"
    response = client.post(_url(regimen, "advance"), {"dose_mg": "2", "reason": "tolerating_well"})

    assert response.status_code == 302
    assert response["Location"] == reverse("regimen_detail", args=[regimen.patient_id, regimen.pk])
    assert regimen.steps.get(status="current").dose_mg == D("2")


@pytest.mark.parametrize(
    ("action", "data", "field", "expected"),
    [
        ("advance", {"dose_mg": "0"}, "dose_mg", "goes above the current 1 mg"),
        ("advance", {"dose_mg": "50"}, "dose_mg", "standard-dose naltrexone"),
        ("advance", {"dose_mg": "abc"}, "dose_mg", "as a number of mg"),
        ("advance", {"dose_mg": "2.25"}, "dose_mg", "0.1 mL steps"),
        ("advance", {"dose_mg": "5"}, "dose_mg", "explicit decision"),
        ("advance", {"dose_mg": "2", "reason": "other"}, "note", "say why in the note"),
        ("advance", {"dose_mg": "2", "reason": ""}, "reason", "Pick the reason"),
        ("step-back", {"dose_mg": "-1"}, "dose_mg", "more than 0 mg"),
        ("step-back", {"dose_mg": "3"}, "dose_mg", "goes below the current 1 mg"),
        ("hold", {"until": TODAY.isoformat()}, "until", "after today"),
        ("hold", {"until": "someday"}, "until", "as a date"),
        ("dose-time", {"dose_time": "bedtime"}, "dose_time", "already taken at bedtime"),
    ],
)
@pytest.mark.django_db
def test_it_explains_bad_input_next_to_the_field_and_changes_nothing(
    client_for, frozen, regimen, team, action, data, field, expected
):
    before = _plan(regimen)

    response = client_for(team).post(_url(regimen, action), {"reason": "side_effects", **data})

    errors = [str(e) for e in response.context["form"].errors.get(field, [])]
    assert response.status_code == 200
    assert any(expected in e for e in errors), response.context["form"].errors
    assert _plan(regimen) == before


@pytest.mark.django_db
def test_it_holds_with_a_new_date(client_for, frozen, regimen, team):
    until = TODAY + timedelta(days=4)

    client_for(team).post(
        _url(regimen, "hold"), {"until": until.isoformat(), "reason": "patient_request"}
    )

    assert regimen.steps.get(sequence=2).planned_on == until
    assert regimen.events.get(kind="held").reason == "patient_request"


@pytest.mark.parametrize(
    ("action", "data", "status"),
    [
        ("maintenance", {"reason": "tolerating_well"}, "active"),
        ("pause", {"reason": "surgery", "note": "Knee surgery"}, "paused"),
        ("stop", {"reason": "treatment_completed"}, "completed"),
        ("step-back", {"reason": "side_effects", "dose_mg": "0.5"}, "active"),
        ("dose-time", {"reason": "side_effects", "dose_time": "morning"}, "active"),
    ],
)
@pytest.mark.django_db
def test_it_applies_each_decision(client_for, frozen, regimen, team, action, data, status):
    response = client_for(team).post(_url(regimen, action), data)

    assert response.status_code == 302
    assert Regimen.objects.get(pk=regimen.pk).status == status
    assert regimen.events.count() == 2


@pytest.mark.django_db
def test_it_resumes_a_paused_regimen_at_the_suggested_dose(client_for, frozen, regimen, team):
    regimen_pause(regimen=regimen, decided_by=team, reason="surgery", today=TODAY)
    client = client_for(team)

    assert client.get(_url(regimen, "resume")).context["form"].initial["dose_mg"] == "1"
    client.post(_url(regimen, "resume"), {"dose_mg": "1", "reason": "tolerating_well"})

    assert Regimen.objects.get(pk=regimen.pk).status == "active"


@pytest.mark.django_db
def test_it_refuses_a_decision_on_a_stopped_regimen_with_a_message(
    client_for, frozen, regimen, team
):
    regimen_stop(regimen=regimen, decided_by=team, reason="other", today=TODAY)
    before = (_plan(regimen), regimen.events.count())
    client = client_for(team)

    page = client.get(_url(regimen, "advance")).content.decode()
    response = client.post(_url(regimen, "advance"), {"dose_mg": "2", "reason": "tolerating_well"})

    assert "no further decisions can be made" in page
    assert response.status_code == 200
    assert "This regimen is stopped" in str(response.context["form"].non_field_errors())
    assert (_plan(regimen), regimen.events.count()) == before


@pytest.mark.parametrize(
    ("action", "proposed"),
    [
        ("advance", "tolerating_well"),
        ("maintenance", "tolerating_well"),
        ("hold", ""),
        ("step-back", ""),
        ("dose-time", ""),
        ("pause", ""),
        ("stop", ""),
    ],
)
@pytest.mark.django_db
def test_it_assumes_no_reason_the_provider_has_not_given(
    client_for, frozen, regimen, team, action, proposed
):
    """A hold for a holiday must not read "Reason: Side effects" because the form said so."""
    page = client_for(team).get(_url(regimen, action))

    form = page.context["form"]
    assert form.initial["reason"] == proposed
    if not proposed:
        assert form.fields["reason"].choices[0] == ("", "Pick the reason")
        assert '<option value="" selected>Pick the reason</option>' in page.content.decode()


@pytest.mark.django_db
def test_a_hold_without_a_reason_is_refused_and_records_nothing(client_for, frozen, regimen, team):
    before = _plan(regimen)
    until = (TODAY + timedelta(days=5)).isoformat()

    response = client_for(team).post(_url(regimen, "hold"), {"until": until})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Pick the reason for this decision."]
    assert f'value="{until}"' in response.content.decode()
    assert _plan(regimen) == before
    assert not regimen.events.filter(kind="held").exists()
