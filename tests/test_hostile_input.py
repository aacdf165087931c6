"""Hostile values that once answered 500, each on every view that takes it: a malformed
`next`, dates at the calendar's edges, and ids no database column can hold. Each gets a
message next to its field (or a safe fallback for `next`) and changes nothing it should not.

The fuzz suite (tests/fuzz/) posts generated values everywhere; these are the named cases."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from patients.models import CheckIn, Condition, DiaryEntry
from tests.factories import PatientUserFactory
from tests.test_access_matrix import World, _fingerprint

pytestmark = pytest.mark.django_db

BAD_NEXT = [
    "undefined",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "",
]
HUGE_IDS = ["9223372036854775808", "-1", "abc", "99999999999999999999999999", "1.5", "0x10", "\x00"]


@pytest.fixture
def world():
    return World()


@pytest.mark.parametrize("bad", BAD_NEXT)
def test_a_malformed_next_on_the_morning_check_in_falls_back_to_the_diary(client, world, bad):
    client.force_login(world.users["patient"])
    response = client.post(reverse("diary_morning"), {"sleep": "great", "next": bad})
    assert response.status_code == 302
    assert response["Location"] == reverse("diary")
    assert DiaryEntry.objects.get(patient=world.patient).sleep_quality == 9


@pytest.mark.parametrize("bad", BAD_NEXT)
def test_a_malformed_next_on_the_review_falls_back_to_the_triage_queue(client, world, bad):
    client.force_login(world.users["provider"])
    response = client.post(
        reverse("patient_review", kwargs={"pk": world.patient.pk}),
        {"flags": [world.flag.pk], "note": "Seen", "next": bad},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("provider_home")


def test_a_next_on_this_site_is_followed(client, world):
    client.force_login(world.users["patient"])
    response = client.post(reverse("diary_morning"), {"sleep": "good", "next": "/tonight/"})
    assert response["Location"] == "/tonight/"


# Dates at the edges of the calendar, in zones where the UTC instant would leave it.
EDGES = [
    ("America/New_York", "9999-12-31", "23:59"),
    ("Pacific/Kiritimati", "0001-01-01", "00:00"),
    ("Asia/Tokyo", "0001-01-01", "00:00"),
    ("UTC", "9999-12-31", "23:59"),
]


def _set_zone(user, zone):
    user.timezone = zone
    user.save(update_fields=["timezone"])


def _assert_refused(response, fields, before):
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    assert set(form.errors) & set(fields), form.errors
    assert _fingerprint() == before


@pytest.mark.parametrize(("zone", "day", "at"), EDGES)
def test_booking_a_check_in_at_the_calendars_edge_is_refused_next_to_the_date(
    client, world, zone, day, at
):
    provider = world.users["provider"]
    _set_zone(provider, zone)
    client.force_login(provider)
    before = _fingerprint()
    response = client.post(
        reverse("checkin_book", kwargs={"pk": world.patient.pk}),
        {"date": day, "time": at, "kind": "video"},
    )
    _assert_refused(response, {"date", "time"}, before)


@pytest.mark.parametrize(("zone", "day", "at"), EDGES)
def test_rescheduling_a_check_in_to_the_calendars_edge_is_refused(client, world, zone, day, at):
    provider = world.users["provider"]
    _set_zone(provider, zone)
    client.force_login(provider)
    before = _fingerprint()
    response = client.post(
        reverse(
            "checkin_reschedule", kwargs={"pk": world.patient.pk, "checkin_pk": world.checkin.pk}
        ),
        {"date": day, "time": at, "kind": "phone"},
    )
    _assert_refused(response, {"date", "time"}, before)


@pytest.mark.parametrize(("zone", "day", "at"), EDGES)
def test_asking_for_another_time_at_the_calendars_edge_is_refused(client, world, zone, day, at):
    _set_zone(world.patient_user, zone)
    client.force_login(world.patient_user)
    before = _fingerprint()
    response = client.post(
        reverse("checkin_request_change", kwargs={"checkin_pk": world.checkin.pk}),
        {"message": "Later, please", "suggested_date": day, "suggested_time": at},
    )
    _assert_refused(response, {"suggested_date", "suggested_time"}, before)
    assert world.checkin.status == CheckIn.objects.get(pk=world.checkin.pk).status


@pytest.mark.parametrize("bad", HUGE_IDS)
def test_a_condition_id_no_row_can_have_is_refused_on_the_profile(client, world, bad):
    client.force_login(world.patient_user)
    before = _fingerprint()
    response = client.post(
        reverse("profile"),
        {
            "date_of_birth": "1980-01-01",
            "timezone": "Europe/Paris",
            "bedtime": "22:30",
            "conditions": [Condition.objects.first().pk, bad],
        },
    )
    _assert_refused(response, {"conditions"}, before)


@pytest.mark.parametrize("bad", HUGE_IDS)
def test_a_condition_id_no_row_can_have_is_refused_on_onboarding(client, world, bad):
    newcomer = PatientUserFactory(email="newcomer@example.org", onboarded=False)
    client.force_login(newcomer)
    before = _fingerprint()
    response = client.post(
        reverse("onboarding"),
        {
            "date_of_birth": "1980-01-01",
            "timezone": "Europe/Paris",
            "bedtime": "22:30",
            "conditions": [bad],
        },
    )
    _assert_refused(response, {"conditions"}, before)


@pytest.mark.parametrize("bad", HUGE_IDS)
def test_a_flag_id_no_row_can_have_is_refused_on_the_review(client, world, bad):
    client.force_login(world.users["provider"])
    before = _fingerprint()
    response = client.post(
        reverse("patient_review", kwargs={"pk": world.patient.pk}),
        {"flags": [world.flag.pk, bad], "note": "Seen"},
    )
    assert response.status_code < 500
    assert _fingerprint() == before


@pytest.mark.parametrize("bad", HUGE_IDS)
def test_a_protocol_id_no_row_can_have_is_refused_when_starting(client, world, bad):
    client.force_login(world.users["provider"])
    before = _fingerprint()
    response = client.post(
        reverse("regimen_start", kwargs={"pk": world.patient.pk}),
        {
            "protocol": bad,
            "form": "liquid",
            "concentration_mg_per_ml": "1",
            "dose_time": "bedtime",
            "start_on": (world.today + timedelta(days=1)).isoformat(),
        },
    )
    _assert_refused(response, {"protocol"}, before)


def test_every_form_uses_the_range_checked_fields():
    """Django's own DateField and model choice fields let dates past the calendar's edge and
    ids no row can have reach arithmetic and queries; the portal's forms use
    portal/lib/fields.py instead."""
    root = Path(__file__).resolve().parent.parent
    unchecked = re.compile(r"forms\.(DateField|ModelChoiceField|ModelMultipleChoiceField)\(")
    offenders = [
        str(path.relative_to(root))
        for package in ("portal", "patients", "regimens")
        for path in (root / package).rglob("*.py")
        if path != root / "portal" / "lib" / "fields.py" and unchecked.search(path.read_text())
    ]
    assert not offenders, f"use portal.lib.fields instead of Django's fields in {offenders}"


@pytest.mark.parametrize(
    "person, day",
    [
        ("9223372036854775808", "2026-03-09"),
        ("99999999999999999999999999", "2026-03-09"),
        ("1", "0001-01-01"),
        ("1", "9999-12-31"),
    ],
)
def test_a_visit_no_row_or_calendar_can_hold_is_not_found(client, world, person, day):
    client.force_login(world.patient_user)

    response = client.get(f"/profile/access-log/{person}/{day}/")

    assert response.status_code == 404
