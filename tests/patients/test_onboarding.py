from datetime import UTC, date, datetime, time

import pytest
import time_machine

from patients.models import Condition, Flag, Medication
from tests.patients.factories import ConditionFactory, PatientFactory, assert_field_error

# 11:00 in New York, the cast's time zone: "today" is 10 March 2026 for the patient.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
URL = "/onboarding/"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(patient_user):
    return PatientFactory(user=patient_user, new=True)


@pytest.fixture(autouse=True)
def conditions(db):
    return {
        "fibromyalgia": ConditionFactory(slug="fibromyalgia", name="Fibromyalgia", sort_order=90),
        "psoriasis": ConditionFactory(slug="psoriasis", name="Psoriasis", sort_order=70),
        "other": ConditionFactory(slug="other", name="Other", sort_order=130),
    }


def _form(**changes):
    data = {
        "date_of_birth": "1980-04-30",
        "timezone": "Europe/Paris",
        "bedtime": "22:30",
        "conditions": [Condition.objects.get(slug="fibromyalgia").pk],
        "other_condition": "",
        "pharmacy_name": "Main Street Compounding",
        "pharmacy_phone": "+1 555 010 0200",
        "medications": "Vitamin D 1000 IU\n\n   \nMagnesium glycinate\n",
        "acknowledgement": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _nothing_saved(patient):
    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert not patient.is_onboarded
    assert patient.off_label_acknowledged_at is None
    assert patient.date_of_birth is None
    assert not patient.conditions.exists()
    assert not Medication.objects.filter(patient=patient).exists()
    assert patient.user.timezone == "America/New_York"


def test_it_asks_a_new_patient_with_their_time_zone_preselected(client_for, patient):
    response = client_for(patient.user).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="America/New_York" selected>' in html
    assert "<legend" in html and "Conditions you are treated for" in html
    assert "prescribed off-label" in html


def test_it_offers_active_conditions_in_catalogue_order(client_for, patient, conditions):
    ConditionFactory(slug="retired", name="Retired condition", active=False)

    html = client_for(patient.user).get(URL).content.decode()

    other = html.index(f'value="{conditions["other"].pk}"')
    fibromyalgia = html.index(f'value="{conditions["fibromyalgia"].pk}"')
    psoriasis = html.index(f'value="{conditions["psoriasis"].pk}"')
    assert psoriasis < fibromyalgia < other
    assert "Retired condition" not in html


def test_it_completes_onboarding_and_stores_the_acknowledgement(client_for, patient):
    response = client_for(patient.user).post(URL, _form())

    assert response.status_code == 302
    assert response["Location"] == "/"
    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert patient.is_onboarded
    assert patient.off_label_acknowledged_at == NOW
    assert patient.date_of_birth == date(1980, 4, 30)
    assert patient.bedtime == time(22, 30)
    assert patient.user.timezone == "Europe/Paris"
    assert [c.slug for c in patient.conditions.all()] == ["fibromyalgia"]
    assert patient.pharmacy_phone == "+1 555 010 0200"
    assert sorted(patient.medications.values_list("name", flat=True)) == [
        "Magnesium glycinate",
        "Vitamin D 1000 IU",
    ]


def test_it_shows_a_patient_with_an_opioid_the_medication_list_at_once(client_for, patient):
    client = client_for(patient.user)

    response = client.post(URL, _form(medications="Percocet 5/325\nVitamin D"))

    assert response.status_code == 302
    assert response["Location"] == "/medications/"
    assert Flag.objects.filter(patient=patient, severity=Flag.Severity.URGENT).exists()
    assert 'data-testid="opioid-warning"' in client.get("/medications/").content.decode()


def test_it_accepts_any_age_from_birth_today(client_for, patient):
    response = client_for(patient.user).post(URL, _form(date_of_birth="2026-03-10"))

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.date_of_birth == date(2026, 3, 10)


def test_it_ticks_other_when_only_the_other_condition_is_written(client_for, patient):
    response = client_for(patient.user).post(
        URL, _form(conditions=[], other_condition="Long COVID")
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    assert [c.slug for c in patient.conditions.all()] == ["other"]
    assert patient.other_condition == "Long COVID"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"date_of_birth": "2026-03-11"},
            "date_of_birth",
            "Your date of birth cannot be in the future.",
        ),
        (
            {"date_of_birth": "1906-03-09"},
            "date_of_birth",
            "Enter a date of birth in the last 120 years: 10 Mar 1906 or later.",
        ),
        (
            {"date_of_birth": "30/04/1980"},
            "date_of_birth",
            "Enter your date of birth as a date, e.g. 1980-04-30.",
        ),
        (
            {"timezone": "Mars/Olympus_Mons"},
            "timezone",
            "Mars/Olympus_Mons is not a time zone we know. Pick one from the list, "
            "e.g. Europe/Paris.",
        ),
        ({"bedtime": "late"}, "bedtime", "Enter your bedtime as a time of day, e.g. 22:30."),
        ({"bedtime": ""}, "bedtime", "Enter the time you usually go to bed."),
        (
            {"pharmacy_phone": "call 555-0100 please"},
            "pharmacy_phone",
            "Enter a phone number of 7 to 15 digits. Spaces, +, -, dots and brackets are "
            "allowed, e.g. +1 555 010 0200.",
        ),
        (
            {"pharmacy_phone": "555 01"},
            "pharmacy_phone",
            "Enter a phone number of 7 to 15 digits. Spaces, +, -, dots and brackets are "
            "allowed, e.g. +1 555 010 0200.",
        ),
        (
            {"pharmacy_phone": "+1 (555) 010 0200 0000 0000"},
            "pharmacy_phone",
            "Enter a phone number of 7 to 15 digits. Spaces, +, -, dots and brackets are "
            "allowed, e.g. +1 555 010 0200.",
        ),
        (
            {"conditions": "OTHER", "other_condition": "  "},
            "other_condition",
            "You ticked “Other”: name the condition here, or untick “Other”.",
        ),
        (
            {"acknowledgement": None},
            "acknowledgement",
            "Tick this box to confirm you have read and understood it.",
        ),
        (
            {"medications": "Vitamin D\n" + "x" * 201},
            "medications",
            "Each line can be up to 200 characters. Shorten: “" + "x" * 40 + "…”.",
        ),
    ],
)
def test_it_refuses_bad_input_next_to_the_field_and_saves_nothing(
    client_for, patient, changes, field, message
):
    if changes.get("conditions") == "OTHER":
        changes["conditions"] = [Condition.objects.get(slug="other").pk]

    response = client_for(patient.user).post(URL, _form(**changes))

    assert_field_error(response, field, message)
    _nothing_saved(patient)


def test_it_sends_a_patient_who_finished_onboarding_to_the_profile(client_for, patient_user):
    response = client_for(patient_user).post(URL, _form(date_of_birth="1999-01-01"))

    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    patient_user.patient.refresh_from_db()
    assert patient_user.patient.date_of_birth != date(1999, 1, 1)


def test_it_sends_an_unfinished_patient_back_to_onboarding(client_for, patient):
    assert client_for(patient.user).get("/profile/")["Location"] == URL


@pytest.mark.parametrize("who", ["provider", "admin_user"])
def test_it_refuses_other_roles(request, client_for, who):
    client = client_for(request.getfixturevalue(who))

    assert client.get(URL).status_code == 403
    assert client.post(URL, {}).status_code == 403


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
