from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from patients.services.profile import care_team_end
from portal.audit.models import AccessEvent
from tests.patients.factories import (
    CareTeamMembershipFactory,
    ConditionFactory,
    PatientFactory,
    assert_field_error,
)

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(patient_user):
    return PatientFactory(user=patient_user)


def _form(**changes):
    data = {
        "date_of_birth": "1975-01-02",
        "timezone": "Europe/London",
        "bedtime": "23:15",
        "other_condition": "",
        "pharmacy_name": "Corner Pharmacy",
        "pharmacy_phone": "020 7946 0000",
    }
    data.update(changes)
    return data


# Profile


def test_it_shows_the_profile_links_and_the_current_care_team(
    client_for, patient, provider, other_provider
):
    CareTeamMembershipFactory(patient=patient, provider=provider)
    care_team_end(membership=CareTeamMembershipFactory(patient=patient, provider=other_provider))

    response = client_for(patient.user).get("/profile/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="1980-04-30"' in html
    assert 'value="22:30"' in html
    for link in ['href="/medications/"', 'href="/profile/access-log/"', 'href="/account/"']:
        assert link in html
    assert "Dr Pia Provider" in html
    assert "Dr Otto Other" not in html


def test_it_says_when_nobody_is_on_the_care_team(client_for, patient):
    html = client_for(patient.user).get("/profile/").content.decode()

    assert "No clinician is on your care team yet." in html


def test_it_saves_the_profile_and_the_time_zone(client_for, patient):
    lupus = ConditionFactory(slug="lupus", name="Systemic lupus erythematosus")

    response = client_for(patient.user).post("/profile/", _form(conditions=[lupus.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert patient.user.timezone == "Europe/London"
    assert patient.date_of_birth == date(1975, 1, 2)
    assert patient.bedtime == time(23, 15)
    assert list(patient.conditions.all()) == [lupus]
    assert patient.pharmacy_phone == "020 7946 0000"


def test_it_keeps_a_retired_condition_the_patient_already_has(client_for, patient):
    retired = ConditionFactory(slug="retired", name="Retired condition", active=False)
    patient.conditions.add(retired)
    client = client_for(patient.user)

    assert "Retired condition" in client.get("/profile/").content.decode()
    client.post("/profile/", _form(conditions=[retired.pk]))

    assert list(patient.conditions.all()) == [retired]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"date_of_birth": "2026-03-11"},
            "date_of_birth",
            "Your date of birth cannot be in the future.",
        ),
        ({"bedtime": "25:00"}, "bedtime", "Enter your bedtime as a time of day, e.g. 22:30."),
        (
            {"pharmacy_phone": "0800-FLOWERS"},
            "pharmacy_phone",
            "Enter a phone number of 7 to 15 digits. Spaces, +, -, dots and brackets are "
            "allowed, e.g. +1 555 010 0200.",
        ),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(client_for, patient, changes, field, message):
    response = client_for(patient.user).post("/profile/", _form(**changes))

    assert_field_error(response, field, message)
    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert patient.date_of_birth == date(1980, 4, 30)
    assert patient.pharmacy_name == "Main Street Compounding"
    assert patient.user.timezone == "America/New_York"


def test_it_asks_for_the_other_condition_when_other_is_ticked(client_for, patient):
    other = ConditionFactory(slug="other", name="Other")

    response = client_for(patient.user).post("/profile/", _form(conditions=[other.pk]))

    assert_field_error(
        response,
        "other_condition",
        "You ticked “Other”: name the condition here, or untick “Other”.",
    )
    assert not patient.conditions.exists()


@pytest.mark.parametrize("url", ["/profile/", "/profile/access-log/"])
@pytest.mark.parametrize("who", ["provider", "admin_user"])
def test_it_refuses_other_roles(request, client_for, url, who):
    client = client_for(request.getfixturevalue(who))

    assert client.get(url).status_code == 403
    assert client.post(url, _form()).status_code in (403, 405)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/profile/", "/profile/access-log/"])
def test_it_sends_anonymous_visitors_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# Who viewed my record


def _viewed(patient, actor, at, action=AccessEvent.Action.VIEW_RECORD):
    return AccessEvent.objects.create(
        actor=actor, actor_role=actor.role, patient=patient, action=action, path="/", at=at
    )


def test_it_groups_who_viewed_the_record_by_person_and_day_in_local_time(
    client_for, patient, provider, admin_user
):
    _viewed(patient, provider, datetime(2026, 3, 9, 15, 0, tzinfo=UTC))
    _viewed(patient, provider, datetime(2026, 3, 9, 15, 4, tzinfo=UTC), "view_diary")
    _viewed(patient, provider, datetime(2026, 3, 9, 15, 6, tzinfo=UTC), "view_trends")
    _viewed(patient, admin_user, datetime(2026, 3, 10, 2, 30, tzinfo=UTC))

    response = client_for(patient.user).get("/profile/access-log/")

    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    # New York is on EDT (UTC-4) from 8 March 2026: 02:30 UTC on the 10th is the 9th there.
    assert (
        "<strong>Dr Pia Provider</strong> (Provider) looked at your record, diary and trends, "
        "9 Mar 2026, 3 times"
    ) in html
    assert "<strong>Ada Admin</strong> (Admin) looked at your record, 9 Mar 2026, once" in html
    assert html.index("Ada Admin") < html.index("Dr Pia Provider")
    assert "11:00 am" in html and "11:04 am" in html and "10:30 pm" in html
    assert "Times are in America/New_York" in html


def test_it_shows_only_the_patients_own_entries(client_for, patient, other_patient_user, provider):
    _viewed(other_patient_user.patient, provider, NOW)

    html = client_for(patient.user).get("/profile/access-log/").content.decode()

    assert "Dr Pia Provider" not in html
    assert "Nobody else has opened your record yet." in html


def test_it_pages_the_log_by_person_and_day(client_for, patient, provider):
    for days in range(31):
        _viewed(patient, provider, NOW - timedelta(days=days))
        _viewed(patient, provider, NOW - timedelta(days=days, minutes=1))
    client = client_for(patient.user)

    first = client.get("/profile/access-log/")
    second = client.get("/profile/access-log/?page=2")

    assert [v.count for v in first.context["visits"]] == [2] * 30
    assert "Page 1 of 2" in first.content.decode()
    (last,) = second.context["visits"]
    assert last.day == (NOW - timedelta(days=30)).astimezone(ZoneInfo("America/New_York")).date()


def test_a_busy_visit_lists_its_latest_times_and_links_to_every_time(client_for, patient, provider):
    # 25 times between 10:00 and 10:24 New York time; the diary only at the first of them.
    start = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    _viewed(patient, provider, start, "view_diary")
    for minute in range(1, 25):
        _viewed(patient, provider, start + timedelta(minutes=minute))
    client = client_for(patient.user)

    response = client.get("/profile/access-log/")

    html = " ".join(response.content.decode().split())
    (visit,) = response.context["visits"]
    assert (visit.count, len(visit.events), visit.earlier) == (25, 20, 5)
    assert [e.at.minute for e in visit.events] == list(range(5, 25))
    assert "looked at your diary and record, 9 Mar 2026, 25 times" in html
    assert "10:05 am" in html and "10:04 am" not in html
    every_time = f"/profile/access-log/{provider.pk}/2026-03-09/"
    assert f'The latest 20 times. <a href="{every_time}">See all 25 times</a>' in html

    page = client.get(every_time)

    html = " ".join(page.content.decode().split())
    assert page.status_code == 200
    assert "looked at your diary and record, 9 Mar 2026, 25 times" in html
    assert [e.at.minute for e in page.context["visit"].events] == list(range(25))
    assert "10:00 am" in html and "10:24 am" in html
    assert "Page 1 of" not in html


def test_every_time_of_a_visit_comes_a_page_at_a_time(client_for, patient, provider):
    start = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    for second in range(0, 130 * 10, 10):
        _viewed(patient, provider, start + timedelta(seconds=second))
    client = client_for(patient.user)
    every_time = f"/profile/access-log/{provider.pk}/2026-03-09/"

    first, second = client.get(every_time), client.get(every_time + "?page=2")

    assert len(first.context["visit"].events) == 100
    assert len(second.context["visit"].events) == 30
    assert "Page 2 of 2" in second.content.decode()
    assert second.context["visit"].events[-1].at == start + timedelta(seconds=1290)


def test_a_visit_that_did_not_happen_is_not_found(
    client_for, patient, other_patient_user, provider
):
    _viewed(patient, provider, datetime(2026, 3, 9, 14, 0, tzinfo=UTC))
    # The same provider on another patient's record: not a visit of this patient's.
    _viewed(other_patient_user.patient, provider, datetime(2026, 3, 8, 14, 0, tzinfo=UTC))
    client = client_for(patient.user)

    assert client.get(f"/profile/access-log/{provider.pk}/2026-03-09/").status_code == 200
    for address in (
        f"/profile/access-log/{provider.pk}/2026-03-08/",
        f"/profile/access-log/{provider.pk}/2026-03-10/",
        f"/profile/access-log/{patient.user.pk}/2026-03-09/",
        f"/profile/access-log/{provider.pk}/2026-02-30/",
    ):
        assert client.get(address).status_code == 404, address
    stranger = client_for(other_patient_user)
    assert stranger.get(f"/profile/access-log/{provider.pk}/2026-03-09/").status_code == 404
