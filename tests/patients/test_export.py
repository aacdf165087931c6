"""The diary as CSV, for the patient and for their care team."""

import csv
import io

import pytest
import time_machine
from django.urls import reverse

from patients.selectors.diary import csv_safe
from patients.services.profile import care_team_add
from portal.audit.models import AccessEvent
from regimens.services.reports import dose_log_mark
from tests.patients.diary_factories import NOW, DiaryEntryFactory, days_ago, start_regimen

pytestmark = pytest.mark.django_db
MINE = reverse("diary_export")


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


def rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def diary(patient, team):
    regimen = start_regimen(patient, team, days_ago=3)
    dose_log_mark(regimen=regimen, on=days_ago(2), status="missed", recorded_by=patient.user)
    DiaryEntryFactory(
        patient=patient, local_date=days_ago(1), pain=6, headache=3, notes='=HYPERLINK("x")'
    )
    DiaryEntryFactory(
        patient=patient,
        local_date=days_ago(0),
        pain=4,
        other_effect=1,
        other_effect_text="@dry mouth",
    )
    return regimen


def test_it_downloads_the_patients_own_diary_one_row_per_day(client_for, patient_user, diary):
    response = client_for(patient_user).get(MINE)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ldn-diary-2026-03-10.csv"'
    assert "no-store" in response["Cache-Control"]
    header, *days = rows(response)
    assert header[:5] == ["Day", "Dose", "Dose (mg)", "Pain (0-10)", "Fatigue (0-10)"]
    assert [d[0] for d in days] == ["2026-03-08", "2026-03-09", "2026-03-10"]
    by_name = [dict(zip(header, d, strict=True)) for d in days]
    assert by_name[0]["Dose"] == "Missed" and by_name[0]["Dose (mg)"] == "1"
    assert by_name[0]["Pain (0-10)"] == ""
    assert by_name[1]["Headache"] == "Severe" and by_name[1]["Pain (0-10)"] == "6"
    assert not AccessEvent.objects.exists()


def test_it_prefixes_cells_a_spreadsheet_would_run(client_for, patient_user, diary):
    header, *days = rows(client_for(patient_user).get(MINE))
    by_name = [dict(zip(header, d, strict=True)) for d in days]

    assert by_name[1]["Notes"] == '\'=HYPERLINK("x")'
    assert by_name[2]["Which side effect"] == "'@dry mouth"
    assert [csv_safe(v) for v in ("+1", "-2", "\tx", "plain", None, 3)] == [
        "'+1",
        "'-2",
        "'\tx",
        "plain",
        "",
        "3",
    ]


def test_it_downloads_a_patients_diary_for_the_care_team_and_audits_it(
    client_for, team, patient, diary
):
    url = reverse("patient_diary_export", args=[patient.pk])

    response = client_for(team).get(url)

    assert response.status_code == 200 and len(rows(response)) == 4
    event = AccessEvent.objects.get()
    assert (event.actor, event.action, event.path) == (team, "export_diary", url)


def test_it_refuses_the_download_to_anyone_else(
    client, client_for, patient, diary, other_provider, other_patient_user, admin_user, team
):
    url = reverse("patient_diary_export", args=[patient.pk])

    assert client_for(other_provider).get(url).status_code == 404
    assert client_for(other_patient_user).get(url).status_code == 403
    assert client_for(admin_user).get(url).status_code == 403
    assert client_for(team).get(MINE).status_code == 403
    assert client_for(admin_user).get(MINE).status_code == 403
    assert client_for(team).post(url).status_code == 405
    client.logout()
    assert client.get(MINE)["Location"].startswith("/accounts/login/")
    assert not AccessEvent.objects.exists()


def test_it_gives_another_patient_only_their_own_empty_diary(client_for, other_patient_user, diary):
    assert len(rows(client_for(other_patient_user).get(MINE))) == 1
