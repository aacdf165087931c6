"""The diary timeline: the patient's diary page and the care team's view of it."""

import re

import pytest
import time_machine
from django.urls import reverse

from patients.services.medications import medication_add
from patients.services.pgic import pgic_record
from patients.services.profile import care_team_add
from patients.services.reviews import review_record
from portal.audit.models import AccessEvent
from regimens.services.reports import dose_log_mark
from tests.patients.diary_factories import NOW, TODAY, DiaryEntryFactory, days_ago, start_regimen

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(patient_user):
    return patient_user.patient


@pytest.fixture
def team(patient, provider):
    care_team_add(patient=patient, provider=provider, added_by=provider)
    return provider


@pytest.fixture
def written(patient, team):
    regimen = start_regimen(patient, team, days_ago=3)
    dose_log_mark(regimen=regimen, on=days_ago(1), status="taken", recorded_by=patient.user)
    DiaryEntryFactory(
        patient=patient, local_date=days_ago(1), pain=5, headache=2, notes="Headache after lunch"
    )
    DiaryEntryFactory(patient=patient, local_date=days_ago(9), pain=7)
    pgic_record(patient=patient, score=3, entered_by=patient.user, occasion="four_weekly", on=TODAY)
    return regimen


def test_it_shows_the_care_team_the_timeline_and_audits_it(client_for, team, patient, written):
    url = reverse("patient_diary", args=[patient.pk])

    page = client_for(team).get(url).content.decode()

    assert "Diary: Pat Patient" in page
    assert "Headache after lunch" in page and "Headache: moderate" in page
    assert "Taken (1 mg)" in page
    assert "Minimally improved" in page
    assert page.index("Mon 9 Mar 2026") < page.index("Sun 1 Mar 2026")  # newest first
    assert f'href="/diary/{days_ago(1).isoformat()}/"' not in page  # providers do not edit
    event = AccessEvent.objects.get()
    assert (event.actor, event.action, event.path) == (team, "view_diary", url)


def test_it_shows_the_reviews_and_a_review_form_with_the_open_flags(client_for, team, patient):
    medication_add(patient=patient, name="Tramadol 50 mg", added_by=patient.user)
    review_record(patient=patient, reviewed_by=team, flags=[], note="First look, all fine")
    medication_add(patient=patient, name="Codeine 30 mg", added_by=patient.user)

    page = client_for(team).get(reverse("patient_diary", args=[patient.pk])).content.decode()

    assert "First look, all fine" in page
    assert "Codeine 30 mg is an opioid" in page and "Tramadol 50 mg is an opioid" in page
    assert len(re.findall(r'<input type="checkbox"[^>]*name="flags"[^>]*checked>', page)) == 2


def test_it_refuses_the_timeline_to_anyone_else(
    client, client_for, patient, written, other_provider, patient_user, admin_user, team
):
    url = reverse("patient_diary", args=[patient.pk])

    assert client_for(other_provider).get(url).status_code == 404
    assert client_for(patient_user).get(url).status_code == 403
    assert client_for(admin_user).get(url).status_code == 403
    assert client_for(team).post(url).status_code == 405
    client.logout()
    assert client.get(url)["Location"].startswith("/accounts/login/")
    assert not AccessEvent.objects.exists()


def test_it_answers_404_once_the_provider_leaves_the_care_team(client_for, team, patient):
    from patients.services.profile import care_team_end

    care_team_end(membership=patient.memberships.get(provider=team))

    assert client_for(team).get(reverse("patient_diary", args=[patient.pk])).status_code == 404


def test_it_shows_the_patient_their_diary_with_links_to_change_recent_days(
    client_for, patient_user, written
):
    page = client_for(patient_user).get(reverse("diary")).content.decode()

    assert "Headache after lunch" in page
    assert f'href="/diary/{days_ago(1).isoformat()}/"' in page
    assert "Write today&#x27;s diary" in page or "Write today's diary" in page
    assert 'data-morning-step="sleep"' in page
    assert not AccessEvent.objects.exists()


def test_it_links_the_record_to_the_diary_and_trends(client_for, team, patient):
    page = client_for(team).get(reverse("patient_record", args=[patient.pk])).content.decode()

    assert f'href="/patients/{patient.pk}/diary/"' in page
    assert f'href="/patients/{patient.pk}/trends/"' in page
    assert f'href="/patients/{patient.pk}/diary/export.csv"' in page
    assert "Not reviewed yet." in page


def test_it_adds_the_diary_to_the_patients_navigation(client_for, patient_user, provider):
    assert (
        'href="/diary/"' in client_for(patient_user).get(reverse("patient_home")).content.decode()
    )
    assert (
        'href="/diary/"' not in client_for(provider).get(reverse("provider_home")).content.decode()
    )


def test_it_sends_a_diary_reminder_to_todays_entry(client_for, patient_user):
    response = client_for(patient_user).get(reverse("diary_today"))

    assert response["Location"] == reverse("diary_new")
    DiaryEntryFactory(patient=patient_user.patient)
    assert client_for(patient_user).get(reverse("diary_today"))["Location"] == reverse(
        "diary_entry", args=[TODAY]
    )
