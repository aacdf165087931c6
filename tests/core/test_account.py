import pytest


def test_it_saves_name_and_time_zone(client_for, patient_user):
    client = client_for(patient_user)

    response = client.post("/account/", {"name": "Pat Q. Patient", "timezone": "Europe/London"})

    assert response.status_code == 302
    patient_user.refresh_from_db()
    assert patient_user.name == "Pat Q. Patient"
    assert patient_user.timezone == "Europe/London"


def test_it_refuses_an_unknown_time_zone_and_changes_nothing(client_for, patient_user):
    client = client_for(patient_user)

    response = client.post("/account/", {"name": "Changed", "timezone": "Mars/Olympus_Mons"})

    assert response.status_code == 200
    assert "is not a time zone we know" in response.content.decode()
    patient_user.refresh_from_db()
    assert patient_user.name == "Pat Patient"
    assert patient_user.timezone == "America/New_York"


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/account/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("name", "greeting"),
    [("Pat Morgan", "Pat"), ("Dr Priya Shah", "Dr Priya Shah"), ("Prof. Ada Lee", "Prof. Ada Lee")],
)
def test_it_greets_people_by_first_name_unless_it_is_a_title(name, greeting):
    from portal.accounts.models import User

    assert User(email="x@example.org", name=name).get_short_name() == greeting
