from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.models import Flag, Medication
from patients.services.profile import care_team_end
from portal.audit.models import AccessEvent
from tests.patients.factories import (
    CareTeamMembershipFactory,
    MedicationFactory,
    PatientFactory,
    assert_field_error,
)

# 11:00 in New York, the cast's time zone: "today" is 10 March 2026 for the patient.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(patient_user):
    return PatientFactory(user=patient_user)


@pytest.fixture
def team(patient, provider):
    return CareTeamMembershipFactory(patient=patient, provider=provider)


def _snapshot():
    return sorted(map(repr, Medication.objects.values())), sorted(map(repr, Flag.objects.values()))


# The patient's own list


def test_it_lists_current_and_stopped_medications(client_for, patient):
    MedicationFactory(patient=patient, name="Vitamin D 1000 IU", dose_text="1 daily")
    MedicationFactory(
        patient=patient, name="Ibuprofen", started_on=date(2026, 1, 5), stopped_on=date(2026, 2, 1)
    )

    response = client_for(patient.user).get("/medications/")

    assert response.status_code == 200
    assert [m.name for m in response.context["current"]] == ["Vitamin D 1000 IU"]
    assert [m.name for m in response.context["stopped"]] == ["Ibuprofen"]
    html = response.content.decode()
    assert "1 daily" in html
    assert "1 Feb 2026" in html
    assert "My medications" in html
    assert 'data-testid="opioid-warning"' not in html


def test_it_adds_a_medication(client_for, patient):
    response = client_for(patient.user).post(
        "/medications/",
        {"name": "Magnesium glycinate", "dose_text": "200 mg at night", "started_on": "2026-03-10"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/medications/"
    medication = patient.medications.get()
    assert medication.name == "Magnesium glycinate"
    assert medication.dose_text == "200 mg at night"
    assert medication.started_on == date(2026, 3, 10)
    assert medication.added_by == patient.user


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "   "}, "name", "Enter the medication's name."),
        (
            {"name": "Vitamin D", "started_on": "2026-03-11"},
            "started_on",
            "The start date cannot be in the future: enter 10 Mar 2026 or earlier.",
        ),
        (
            {"name": "Vitamin D", "started_on": "last spring"},
            "started_on",
            "Enter the start date as a date, e.g. 2026-01-31.",
        ),
    ],
)
def test_it_refuses_a_bad_medication_and_adds_nothing(client_for, patient, data, field, message):
    response = client_for(patient.user).post("/medications/", data)

    assert_field_error(response, field, message)
    assert not Medication.objects.exists()


def test_it_warns_about_an_opioid_in_plain_words(client_for, patient):
    MedicationFactory(patient=patient, name="Percocet 5/325")

    html = client_for(patient.user).get("/medications/").content.decode()

    assert 'role="alert" data-testid="opioid-warning"' in html
    assert "Opioid warning: Percocet 5/325" in html
    assert "Naltrexone, the medicine in LDN, blocks opioids" in html
    assert "withdrawal" in html
    assert "Do not take LDN while you take it; your care team has been told." in html


def test_it_tells_when_a_stopped_opioid_leaves_the_body(client_for, patient):
    MedicationFactory(patient=patient, name="Tramadol 50 mg", stopped_on=date(2026, 3, 5))

    html = client_for(patient.user).get("/medications/").content.decode()

    assert 'data-testid="opioid-warning"' in html
    assert "Stopped on 5 Mar 2026: opioid-free from 15 Mar 2026 (10 days later)." in html
    assert "Do not take LDN before then" in html


def test_it_gives_loperamide_a_softer_caution(client_for, patient):
    MedicationFactory(patient=patient, name="Imodium")

    html = client_for(patient.user).get("/medications/").content.decode()

    assert 'data-testid="opioid-caution"' in html
    assert 'data-testid="opioid-warning"' not in html
    assert "acts mainly in the gut" in html


def test_it_notes_a_thyroid_hormone(client_for, patient):
    MedicationFactory(patient=patient, name="Levothyroxine 50 mcg")

    html = client_for(patient.user).get("/medications/").content.decode()

    assert 'data-testid="thyroid-note"' in html
    assert "may start LDN more slowly" in html


def test_it_edits_a_medication_and_screens_the_new_name(client_for, patient):
    medication = MedicationFactory(patient=patient, name="Tylenol")
    client = client_for(patient.user)

    assert client.get(f"/medications/{medication.pk}/edit/").status_code == 200
    response = client.post(
        f"/medications/{medication.pk}/edit/",
        {"name": "Tylenol #3", "dose_text": "2 tablets", "started_on": "2026-03-01"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/medications/"
    medication.refresh_from_db()
    assert medication.name == "Tylenol #3"
    assert medication.screening == Medication.Screening.BLOCK
    assert Flag.objects.filter(medication=medication, resolved_at__isnull=True).exists()


def test_it_refuses_a_bad_edit_and_changes_nothing(client_for, patient):
    medication = MedicationFactory(
        patient=patient, name="Ibuprofen", started_on=date(2026, 1, 5), stopped_on=date(2026, 2, 1)
    )
    client = client_for(patient.user)
    before = _snapshot()

    for data, field, message in [
        ({"name": ""}, "name", "Enter the medication's name."),
        (
            {"name": "Ibuprofen", "started_on": "2026-02-02"},
            "started_on",
            "The start date cannot be after the stop date, 1 Feb 2026.",
        ),
    ]:
        response = client.post(f"/medications/{medication.pk}/edit/", data)
        assert_field_error(response, field, message)

    assert _snapshot() == before


def test_it_offers_today_in_the_patients_time_zone_as_the_stop_date(client_for, patient):
    medication = MedicationFactory(patient=patient)

    with time_machine.travel(datetime(2026, 3, 11, 3, 0, tzinfo=UTC), tick=False):
        response = client_for(patient.user).get(f"/medications/{medication.pk}/stop/")

    # 03:00 UTC on 11 March is still the evening of 10 March in New York.
    assert response.status_code == 200
    assert 'value="2026-03-10"' in response.content.decode()


def test_it_stops_a_medication(client_for, patient):
    medication = MedicationFactory(patient=patient, name="OxyContin 10 mg")

    response = client_for(patient.user).post(
        f"/medications/{medication.pk}/stop/", {"stopped_on": "2026-03-09"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/medications/"
    medication.refresh_from_db()
    assert medication.stopped_on == date(2026, 3, 9)
    assert medication.washout_days == 10


@pytest.mark.parametrize(
    ("stopped_on", "message"),
    [
        ("2026-03-11", "The stop date cannot be in the future: enter 10 Mar 2026 or earlier."),
        ("2026-02-28", "The stop date cannot be before the start date, 1 Mar 2026."),
        ("", "Enter the date you stopped taking it."),
    ],
)
def test_it_refuses_a_bad_stop_date_and_changes_nothing(client_for, patient, stopped_on, message):
    medication = MedicationFactory(patient=patient, started_on=date(2026, 3, 1))

    response = client_for(patient.user).post(
        f"/medications/{medication.pk}/stop/", {"stopped_on": stopped_on}
    )

    assert_field_error(response, "stopped_on", message)
    medication.refresh_from_db()
    assert medication.stopped_on is None


def test_it_answers_404_for_another_patients_medication(client_for, patient, other_patient_user):
    theirs = MedicationFactory(patient=other_patient_user.patient)
    client = client_for(patient.user)
    before = _snapshot()

    for url in [f"/medications/{theirs.pk}/edit/", f"/medications/{theirs.pk}/stop/"]:
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "Mine now", "stopped_on": "2026-03-01"}).status_code == 404
    assert _snapshot() == before


def test_it_refuses_providers_and_admins_on_the_patients_own_urls(
    client_for, team, patient, provider, admin_user
):
    medication = MedicationFactory(patient=patient)
    before = _snapshot()

    for user in [provider, admin_user]:
        client = client_for(user)
        for url in [
            "/medications/",
            f"/medications/{medication.pk}/edit/",
            f"/medications/{medication.pk}/stop/",
        ]:
            assert client.get(url).status_code == 403, (user, url)
            assert client.post(url, {"name": "X", "stopped_on": "2026-03-01"}).status_code == 403
    assert _snapshot() == before


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_log_in(client):
    for url in ["/medications/", "/medications/1/edit/", "/patients/1/medications/1/stop/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_it_loads_the_list_in_the_same_number_of_queries_for_any_size(client_for, patient):
    client = client_for(patient.user)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/medications/").status_code == 200
        return len(captured)

    MedicationFactory(patient=patient, name="Percocet 5/325")
    client.get("/medications/")  # the first request after logging in writes the session
    few = queries()
    for name in ["Imodium", "Levothyroxine", "Vitamin D", "Zinc", "Codeine linctus"]:
        MedicationFactory(patient=patient, name=name)
    MedicationFactory(patient=patient, name="Tramadol", stopped_on=date(2026, 3, 1))

    assert queries() == few


# The care team's route


def test_it_lets_a_provider_on_the_team_add_tylenol_3_and_raises_the_flag(
    client_for, team, patient, provider
):
    response = client_for(provider).post(
        f"/patients/{patient.pk}/medications/", {"name": "Tylenol #3", "dose_text": "as needed"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.pk}/medications/"
    medication = patient.medications.get()
    assert medication.added_by == provider
    assert medication.screening == Medication.Screening.BLOCK
    flag = Flag.objects.get(patient=patient, medication=medication, resolved_at__isnull=True)
    assert flag.severity == Flag.Severity.URGENT


def test_it_shows_the_provider_the_patients_list_and_records_the_view(
    client_for, team, patient, provider
):
    MedicationFactory(patient=patient, name="Percocet 5/325")

    response = client_for(provider).get(f"/patients/{patient.pk}/medications/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Medications: Pat Patient" in html
    assert 'data-testid="opioid-warning"' in html
    assert f'href="/patients/{patient.pk}/"' in html
    event = AccessEvent.objects.get(patient=patient)
    assert event.actor == provider
    assert event.action == AccessEvent.Action.VIEW_MEDICATIONS


def test_it_does_not_record_the_patient_reading_their_own_list(client_for, patient):
    client_for(patient.user).get("/medications/")

    assert not AccessEvent.objects.exists()


def test_it_lets_a_provider_on_the_team_edit_and_stop(client_for, team, patient, provider):
    medication = MedicationFactory(patient=patient, name="Vicodin", started_on=date(2026, 2, 1))
    client = client_for(provider)
    base = f"/patients/{patient.pk}/medications/{medication.pk}"

    assert client.get(f"{base}/edit/").status_code == 200
    edited = client.post(f"{base}/edit/", {"name": "Ibuprofen 400 mg", "started_on": ""})
    assert client.get(f"{base}/stop/").status_code == 200
    stopped = client.post(f"{base}/stop/", {"stopped_on": "2026-03-10"})

    assert edited["Location"] == stopped["Location"] == f"/patients/{patient.pk}/medications/"
    medication.refresh_from_db()
    assert medication.name == "Ibuprofen 400 mg"
    assert medication.stopped_on == date(2026, 3, 10)
    assert not Flag.objects.filter(medication=medication, resolved_at__isnull=True).exists()


def _provider_urls(patient, medication):
    base = f"/patients/{patient.pk}/medications/"
    return [base, f"{base}{medication.pk}/edit/", f"{base}{medication.pk}/stop/"]


def _try_every_url(client, urls):
    data = {"name": "Oxycodone", "stopped_on": "2026-03-01"}
    return [client.get(url).status_code for url in urls] + [
        client.post(url, data).status_code for url in urls
    ]


def test_it_answers_404_to_a_provider_not_on_the_team(client_for, team, patient, other_provider):
    medication = MedicationFactory(patient=patient)
    before = _snapshot()

    statuses = _try_every_url(client_for(other_provider), _provider_urls(patient, medication))

    assert statuses == [404] * 6
    assert _snapshot() == before
    assert not AccessEvent.objects.exists()


def test_it_answers_404_once_the_membership_has_ended(client_for, team, patient, provider):
    medication = MedicationFactory(patient=patient)
    care_team_end(membership=team)
    before = _snapshot()

    statuses = _try_every_url(client_for(provider), _provider_urls(patient, medication))

    assert statuses == [404] * 6
    assert _snapshot() == before


def test_it_answers_404_for_another_patients_medication_on_the_team_route(
    client_for, team, patient, provider, other_patient_user
):
    other = other_patient_user.patient
    CareTeamMembershipFactory(patient=other, provider=provider)
    theirs = MedicationFactory(patient=other)
    before = _snapshot()

    statuses = _try_every_url(client_for(provider), _provider_urls(patient, theirs)[1:])

    assert statuses == [404] * 4
    assert _snapshot() == before


def test_it_refuses_patients_and_admins_on_the_care_team_urls(
    client_for, team, patient, admin_user
):
    medication = MedicationFactory(patient=patient)
    before = _snapshot()

    for user in [patient.user, admin_user]:
        statuses = _try_every_url(client_for(user), _provider_urls(patient, medication))
        assert statuses == [403] * 6, user
    assert _snapshot() == before


def test_it_puts_the_most_serious_warning_first(client_for, patient):
    for name in ["Imodium", "Armour Thyroid", "Vicodin"]:
        MedicationFactory(patient=patient, name=name)

    html = client_for(patient.user).get("/medications/").content.decode()

    warning = html.index('data-testid="opioid-warning"')
    assert warning < html.index('data-testid="opioid-caution"')
    assert warning < html.index('data-testid="thyroid-note"')
