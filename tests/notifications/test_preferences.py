"""The reminder settings page: what it covers, who sees which settings, and bad input."""

from datetime import time

import pytest
from django.urls import reverse

from portal.notifications.models import Preferences
from portal.notifications.services import preferences_for
from tests.patients.factories import assert_field_error

pytestmark = pytest.mark.django_db
URL = reverse("notification_preferences")
PATIENT_FIELDS = [
    "dose_enabled",
    "dose_time",
    "step_enabled",
    "diary_enabled",
    "diary_time",
    "checkin_enabled",
    "supply_enabled",
    "email_enabled",
    "detailed_email",
    "quiet_start",
    "quiet_end",
    "timezone",
]


def _valid(**changes):
    return {
        "timezone": "America/New_York",
        "dose_enabled": "on",
        "diary_enabled": "on",
        "diary_time": "20:00",
        "checkin_enabled": "on",
        "email_enabled": "on",
        **changes,
    }


def _snapshot(user):
    user.refresh_from_db()
    values = Preferences.objects.filter(user=user).values().first()
    return user.timezone, values


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_gives_a_patient_every_reminder_setting(client_for, patient_user):
    response = client_for(patient_user).get(URL)

    form = response.context["form"]
    assert set(form.fields) == set(PATIENT_FIELDS)
    page = response.content.decode()
    assert "Safety notices from your care team are always on." in page
    assert "safety" not in form.fields


def test_it_gives_a_provider_the_digest_and_no_dose_settings(client_for, provider):
    form = client_for(provider).get(URL).context["form"]

    assert {"digest_enabled", "checkin_enabled", "email_enabled", "quiet_start"} <= set(form.fields)
    assert not {"dose_enabled", "dose_time", "diary_enabled", "detailed_email"} & set(form.fields)


def test_it_saves_the_settings(client_for, patient_user):
    response = client_for(patient_user).post(
        URL, _valid(dose_time="21:15", detailed_email="on", timezone="Europe/London")
    )

    assert response.status_code == 302
    prefs = preferences_for(patient_user)
    assert (prefs.dose_time, prefs.detailed_email, prefs.step_enabled) == (
        time(21, 15),
        True,
        False,
    )
    patient_user.refresh_from_db()
    assert patient_user.timezone == "Europe/London"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"quiet_start": "22:00", "quiet_end": "22:00"},
            "quiet_end",
            "Quiet hours cannot cover the whole day: the end must differ from the start.",
        ),
        (
            {"quiet_start": "22:00"},
            "quiet_end",
            "Give both a start and an end for quiet hours, or neither.",
        ),
        (
            {"timezone": "Mars/Olympus_Mons"},
            "timezone",
            "Mars/Olympus_Mons is not a time zone we know. Pick one from the list, e.g. "
            "Europe/Paris.",
        ),
        (
            {"dose_time": "after dinner"},
            "dose_time",
            "Enter a time as hours and minutes, e.g. 21:30.",
        ),
        ({"diary_time": "8pm"}, "diary_time", "Enter a time as hours and minutes, e.g. 21:30."),
        (
            {"quiet_start": "24:30", "quiet_end": "07:00"},
            "quiet_start",
            "Enter a time as hours and minutes, e.g. 21:30.",
        ),
    ],
)
def test_it_refuses_bad_input_next_to_the_field_and_changes_nothing(
    client_for, patient_user, changes, field, message
):
    preferences_for(patient_user)
    before = _snapshot(patient_user)

    response = client_for(patient_user).post(URL, _valid(**changes))

    assert_field_error(response, field, message)
    assert _snapshot(patient_user) == before
