"""Check-in pages: who is refused, booking with both time zones shown, bad input, the
patient's answers, completing with the PGIC, the provider's list and the rule page."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.models import CheckIn, PGICResponse
from patients.services.checkins import checkin_book
from patients.services.profile import care_team_add
from portal.audit.models import AccessEvent
from regimens.models import CheckInRule
from regimens.services.checkin_rules import checkin_rule_set
from tests.factories import PatientUserFactory
from tests.notifications.factories import start_regimen
from tests.patients.factories import assert_field_error

pytestmark = pytest.mark.django_db
Status = CheckIn.Status
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York (EDT), 14:00 in London
THURSDAY_3PM = datetime(2026, 3, 12, 19, 0, tzinfo=UTC)  # 15:00 EDT


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(patient_user, provider):
    patient_user.timezone = "Europe/London"
    patient_user.save()
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    return patient_user.patient


@pytest.fixture
def checkin(patient, provider):
    return checkin_book(
        patient=patient,
        provider=provider,
        starts_at=THURSDAY_3PM,
        kind="video",
        booked_by=provider,
    )


def _book_url(patient):
    return reverse("checkin_book", args=[patient.pk])


def _detail_url(checkin):
    return reverse("checkin_detail", args=[checkin.patient_id, checkin.pk])


# Who is refused


def test_it_keeps_check_ins_from_everyone_but_the_care_team_and_the_patient(
    client_for, checkin, patient, other_provider, other_patient_user, admin_user
):
    provider_pages = [
        _detail_url(checkin),
        _book_url(patient),
        reverse("checkin_reschedule", args=[patient.pk, checkin.pk]),
        reverse("checkin_complete", args=[patient.pk, checkin.pk]),
    ]
    for url in provider_pages:
        assert client_for(other_provider).get(url).status_code == 404
        assert client_for(patient.user).get(url).status_code == 403
        assert client_for(admin_user).get(url).status_code == 403
    stranger = client_for(other_patient_user)
    assert stranger.post(reverse("checkin_confirm", args=[checkin.pk])).status_code == 404
    assert stranger.get(reverse("checkin_request_change", args=[checkin.pk])).status_code == 404
    assert (
        client_for(other_provider)
        .post(reverse("checkin_cancel", args=[patient.pk, checkin.pk]))
        .status_code
        == 404
    )
    assert client_for(admin_user).get(reverse("my_checkins")).status_code == 403
    assert client_for(patient.user).get(reverse("provider_checkins")).status_code == 403
    checkin.refresh_from_db()
    assert checkin.status == Status.BOOKED


def test_it_sends_anonymous_visitors_to_log_in(client, checkin):
    for url in (reverse("my_checkins"), reverse("provider_checkins"), _detail_url(checkin)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_does_not_show_a_check_in_under_another_patients_address(client_for, checkin, provider):
    someone = PatientUserFactory().patient
    care_team_add(patient=someone, provider=provider, added_by=provider)

    url = reverse("checkin_detail", args=[someone.pk, checkin.pk])

    assert client_for(provider).get(url).status_code == 404


# Booking


def test_it_books_in_the_providers_time_and_shows_the_patients(client_for, patient, provider):
    client = client_for(provider)
    page = client.get(_book_url(patient)).content.decode()
    assert "America/New_York" in page and "Europe/London" in page
    assert "Tue 10 Mar 2026, 2:00 pm" in page  # now, in London

    response = client.post(
        _book_url(patient), {"date": "2026-03-12", "time": "15:00", "kind": "phone"}
    )

    checkin = CheckIn.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail_url(checkin)
    assert checkin.starts_at == THURSDAY_3PM
    detail = client.get(_detail_url(checkin)).content.decode()
    assert "Thu 12 Mar 2026, 3:00 pm (America/New_York)" in detail
    assert "Thu 12 Mar 2026, 7:00 pm (Europe/London)" in detail
    assert AccessEvent.objects.filter(actor=provider, patient=patient).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"date": "2026-03-10", "time": "09:00", "kind": "video"},
            "time",
            "This time has already passed. Pick a date and time in the future.",
        ),
        (
            {"date": "2026-03-01", "time": "15:00", "kind": "video"},
            "date",
            "This time has already passed. Pick a date and time in the future.",
        ),
        (
            {"date": "2027-06-01", "time": "15:00", "kind": "video"},
            "date",
            "Pick a time within a year from today (up to 365 days ahead).",
        ),
        (
            {"date": "2026-03-12", "time": "quarter past three", "kind": "video"},
            "time",
            "Enter a time as hours and minutes, e.g. 10:30.",
        ),
        (
            {"date": "12/03", "time": "15:00", "kind": "video"},
            "date",
            "Enter a date, e.g. 2026-03-12.",
        ),
        (
            {"date": "2026-03-12", "time": "15:00", "kind": "carrier pigeon"},
            "kind",
            "Select a valid choice. carrier pigeon is not one of the available choices.",
        ),
    ],
)
def test_it_refuses_bad_input_next_to_the_field(
    client_for, patient, provider, data, field, message
):
    response = client_for(provider).post(_book_url(patient), data)

    assert_field_error(response, field, message)
    assert not CheckIn.objects.exists()


# The patient's answers


def test_the_patient_sees_their_check_ins_in_their_own_time(client_for, checkin, patient):
    page = client_for(patient.user).get(reverse("my_checkins")).content.decode()

    assert "Thu 12 Mar 2026, 7:00 pm" in page
    assert "Please confirm this time" in page


def test_the_patient_confirms(client_for, checkin, patient):
    response = client_for(patient.user).post(reverse("checkin_confirm", args=[checkin.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("my_checkins")
    checkin.refresh_from_db()
    assert checkin.status == Status.CONFIRMED


def test_the_patient_asks_for_another_time(client_for, checkin, patient):
    url = reverse("checkin_request_change", args=[checkin.pk])
    data = {
        "message": "Could we do the morning?",
        "suggested_date": "2026-03-13",
        "suggested_time": "09:30",
    }

    response = client_for(patient.user).post(url, data)

    assert response.status_code == 302
    checkin.refresh_from_db()
    assert checkin.status == Status.RESCHEDULE_REQUESTED
    assert "Fri 13 Mar 2026, 9:30 am (Europe/London)" in checkin.patient_message


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"message": ""}, "message", "Tell your provider what would suit you better."),
        (
            {"message": "Later", "suggested_date": "2026-03-13"},
            "suggested_time",
            "Give both a date and a time, or neither.",
        ),
        (
            {"message": "Earlier", "suggested_date": "2026-03-09", "suggested_time": "09:00"},
            "suggested_date",
            "This time has already passed. Pick a date and time in the future.",
        ),
        (
            {"message": "Later", "suggested_date": "2026-03-13", "suggested_time": "25:00"},
            "suggested_time",
            "Enter a time as hours and minutes, e.g. 10:30.",
        ),
    ],
)
def test_it_refuses_a_bad_request_next_to_the_field(
    client_for, checkin, patient, data, field, message
):
    url = reverse("checkin_request_change", args=[checkin.pk])

    response = client_for(patient.user).post(url, data)

    assert_field_error(response, field, message)
    checkin.refresh_from_db()
    assert checkin.status == Status.BOOKED


# The provider moves, cancels, completes


def test_the_provider_moves_a_check_in(client_for, checkin, patient, provider):
    url = reverse("checkin_reschedule", args=[patient.pk, checkin.pk])

    response = client_for(provider).post(
        url, {"date": "2026-03-13", "time": "11:00", "kind": "in_person"}
    )

    assert response.status_code == 302
    checkin.refresh_from_db()
    assert checkin.starts_at == datetime(2026, 3, 13, 15, 0, tzinfo=UTC)
    assert (checkin.kind, checkin.status) == ("in_person", Status.BOOKED)


def test_the_provider_cancels_a_check_in(client_for, checkin, patient, provider):
    response = client_for(provider).post(reverse("checkin_cancel", args=[patient.pk, checkin.pk]))

    assert response.status_code == 302
    checkin.refresh_from_db()
    assert checkin.status == Status.CANCELLED
    again = client_for(provider).post(
        reverse("checkin_cancel", args=[patient.pk, checkin.pk]), follow=True
    )
    assert "it cannot be changed any more" in again.content.decode()


def test_the_provider_completes_a_check_in_with_the_pgic(client_for, checkin, patient, provider):
    url = reverse("checkin_complete", args=[patient.pk, checkin.pk])
    assert client_for(provider).post(url, {"notes": "Fine"}).status_code == 200
    assert not PGICResponse.objects.exists()

    response = client_for(provider).post(url, {"notes": "Sleeping better", "pgic_score": "2"})

    assert response.status_code == 302
    checkin.refresh_from_db()
    assert checkin.status == Status.COMPLETED
    assert PGICResponse.objects.get().occasion == PGICResponse.Occasion.CHECKIN


# Lists


def _book_for_new_patients(provider, count):
    for i in range(count):
        patient = PatientUserFactory().patient
        care_team_add(patient=patient, provider=provider, added_by=provider)
        checkin_book(
            patient=patient,
            provider=provider,
            starts_at=THURSDAY_3PM + timedelta(hours=i),
            kind="phone",
            booked_by=provider,
        )


@pytest.mark.parametrize("count", [2, 12])
def test_the_providers_list_costs_the_same_queries_at_any_size(
    client_for, provider, django_assert_num_queries, count
):
    _book_for_new_patients(provider, count)
    client = client_for(provider)

    with django_assert_num_queries(9):
        response = client.get(reverse("provider_checkins"))

    assert response.content.decode().count("data-checkin=") == count


def test_the_providers_list_leaves_out_patients_who_left_the_care_team(
    client_for, checkin, patient, provider
):
    patient.memberships.update(until=NOW)

    page = client_for(provider).get(reverse("provider_checkins")).content.decode()

    assert "data-checkin=" not in page


# The rule


def test_the_provider_sets_a_check_in_rule(client_for, patient, provider):
    regimen = start_regimen(patient, provider, start_on=NOW.date())
    url = reverse("checkin_rule", args=[patient.pk, regimen.pk])
    assert client_for(provider).get(url).status_code == 200

    data = {"days_after_step": "3", "at_time": "10:00", "kind": "phone", "active": "on"}
    response = client_for(provider).post(url, data)

    assert response.status_code == 302
    rule = CheckInRule.objects.get()
    assert (rule.days_after_step, rule.kind, rule.created_by) == (3, "phone", provider)
    assert CheckIn.objects.get().from_rule


def test_it_refuses_a_rule_of_zero_days(client_for, patient, provider):
    regimen = start_regimen(patient, provider, start_on=NOW.date())
    url = reverse("checkin_rule", args=[patient.pk, regimen.pk])

    response = client_for(provider).post(
        url, {"days_after_step": "0", "at_time": "10:00", "kind": "phone"}
    )

    assert_field_error(response, "days_after_step", "Enter 1 day or more.")
    assert not CheckInRule.objects.exists()


# Where check-ins show up


def test_the_record_the_regimen_page_and_the_home_page_show_check_ins(
    client_for, checkin, patient, provider
):
    regimen = start_regimen(patient, provider, start_on=NOW.date())
    checkin_rule_set(
        regimen=regimen, days_after_step=14, kind="phone", at_time=time(10, 0), active=True,
        set_by=provider,
    )  # fmt: skip

    record = client_for(provider).get(reverse("patient_record", args=[patient.pk]))
    assert _detail_url(checkin) in record.content.decode()
    assert _book_url(patient) in record.content.decode()
    page = client_for(provider).get(reverse("regimen_detail", args=[patient.pk, regimen.pk]))
    assert "Booked automatically 14 days after each step, phone call at 10:00 am" in (
        page.content.decode()
    )
    home = client_for(patient.user).get(reverse("patient_home")).content.decode()
    assert "Upcoming check-ins" in home and "Thu 12 Mar 2026, 7:00 pm" in home
