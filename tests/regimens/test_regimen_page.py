"""The provider's regimen page and the titration queue page."""

from datetime import timedelta

import pytest
from django.urls import reverse

from patients.services.profile import care_team_end
from patients.services.side_effects import side_effect_report
from portal.audit.models import AccessEvent
from regimens.services.decisions import regimen_stop
from regimens.services.reports import regimen_request_hold
from tests.regimens.conftest import TODAY, log_taken


def _url(regimen):
    return reverse("regimen_detail", args=[regimen.patient_id, regimen.pk])


@pytest.fixture
def regimen(frozen, patient, team, start_regimen):
    """Due for its step up today, every dose since it began taken."""
    return log_taken(start_regimen(patient, team, days_ago=7))


@pytest.mark.django_db
def test_it_refuses_everyone_but_the_care_team(
    client_for, frozen, regimen, other_provider, patient_user, admin_user, team
):
    assert client_for(other_provider).get(_url(regimen)).status_code == 404
    assert client_for(patient_user).get(_url(regimen)).status_code == 403
    assert client_for(admin_user).get(_url(regimen)).status_code == 403
    membership = regimen.patient.memberships.get(provider=team)
    care_team_end(membership=membership)
    assert client_for(team).get(_url(regimen)).status_code == 404
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.VIEW_REGIMEN).exists()


@pytest.mark.django_db
def test_it_answers_404_for_a_regimen_under_another_patient(
    client_for, frozen, regimen, team, other_patient_user
):
    from patients.services.profile import care_team_add

    other = other_patient_user.patient
    care_team_add(patient=other, provider=team, added_by=team)

    response = client_for(team).get(reverse("regimen_detail", args=[other.pk, regimen.pk]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_it_shows_the_plan_the_recommendation_and_the_protocol_and_audits_the_view(
    client_for, frozen, regimen, team
):
    regimen_request_hold(regimen=regimen, requested_by=regimen.patient.user, note="Tired")

    response = client_for(team).get(_url(regimen))

    page = response.content.decode()
    assert response.status_code == 200
    assert "1 mg: 1.0 mL of your 1 mg/mL liquid" in page
    assert "The engine suggests: Step up to 2 mg" in page
    assert regimen.protocol.source_url in page
    assert "The patient asked on 10 Mar 2026 to hold the next step." in page
    assert "Tired" in page
    assert "Started at 1 mg, at bedtime, from 3 Mar 2026." in page
    event = AccessEvent.objects.get(actor=team)
    assert (event.action, event.patient) == (AccessEvent.Action.VIEW_REGIMEN, regimen.patient)


@pytest.mark.django_db
def test_it_offers_no_decisions_on_a_stopped_regimen(client_for, frozen, regimen, team):
    regimen_stop(regimen=regimen, decided_by=team, reason="other", today=TODAY)

    page = client_for(team).get(_url(regimen)).content.decode()

    assert "no further decisions can be made" in page
    assert reverse("regimen_decision", args=[regimen.patient_id, regimen.pk, "advance"]) not in page


@pytest.mark.django_db
def test_it_lists_the_titration_queue_for_providers_only(
    client_for, frozen, regimen, team, other_provider, patient_user, admin_user
):
    url = reverse("titration_queue")

    page = client_for(team).get(url).content.decode()
    assert "Step due" in page and "Step up to 2 mg" in page
    assert reverse("regimen_decision", args=[regimen.patient_id, regimen.pk, "advance"]) in page
    other_page = client_for(other_provider).get(url).content.decode()
    assert "No titration decisions are waiting." in other_page
    assert client_for(patient_user).get(url).status_code == 403
    assert client_for(admin_user).get(url).status_code == 403


@pytest.mark.django_db
def test_it_shows_the_queue_with_a_hold_after_side_effects(client_for, frozen, regimen, team):
    side_effect_report(
        regimen=regimen,
        on=TODAY - timedelta(days=1),
        kind="insomnia",
        severity=2,
        entered_by=regimen.patient.user,
    )

    page = client_for(team).get(reverse("titration_queue")).content.decode()

    assert "Moderate or severe side effect reported" in page and "Hold at 1 mg" in page
    assert reverse("regimen_decision", args=[regimen.patient_id, regimen.pk, "hold"]) in page
