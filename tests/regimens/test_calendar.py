"""The private calendar feed and the patient's settings page for it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from patients.services.checkins import checkin_book
from patients.services.medications import medication_add, medication_stop
from regimens.models import CalendarFeed
from regimens.services.calendar_feeds import (
    calendar_feed_create,
    calendar_feed_regenerate,
    calendar_feed_revoke,
    calendar_feed_set_include_dose,
)
from regimens.services.plans import plan_approve, plan_change, plan_propose
from tests.regimens.conftest import TODAY

SETTINGS = reverse("calendar_settings")


def _feed_url(feed):
    return reverse("calendar_feed", args=[feed.token])


def _parse(response):
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


@pytest.fixture
def regimen(patient, team, start_regimen):
    return start_regimen(patient, team, days_ago=3)


@pytest.mark.django_db
def test_it_serves_a_valid_calendar_of_dose_changes_without_health_detail(
    client, frozen, patient, regimen
):
    feed = calendar_feed_create(patient=patient)

    response = client.get(_feed_url(feed))

    calendar = _parse(response)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//LDN Portal//Dose calendar//EN"
    events = calendar.walk("VEVENT")
    assert [e.decoded("DTSTART") for e in events] == [
        TODAY - timedelta(days=3) + timedelta(days=7 * n) for n in range(5)
    ]
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids) == 5
    for event in events:
        assert str(event["SUMMARY"]) == "LDN dose change"
        assert event.decoded("DTSTAMP").year == 2026
        assert isinstance(event.decoded("DTSTART"), date)
        assert event.decoded("DTEND") == event.decoded("DTSTART") + timedelta(days=1)
    body = response.content.decode()
    for detail in ("mg", "mL", "liquid", "naltrexone", patient.user.email, patient.name):
        assert detail not in body


@pytest.mark.django_db
def test_it_puts_the_dose_in_titles_only_when_the_patient_opts_in(client, frozen, patient, regimen):
    feed = calendar_feed_set_include_dose(patient=patient, include_dose=True)

    events = _parse(client.get(_feed_url(feed))).walk("VEVENT")

    assert str(events[1]["SUMMARY"]) == "LDN dose change: 2 mg: 2.0 mL of your 1 mg/mL liquid"


@pytest.mark.django_db
def test_it_answers_404_for_unknown_and_revoked_addresses(client, frozen, patient, regimen):
    feed = calendar_feed_create(patient=patient)
    new = calendar_feed_regenerate(patient=patient)

    assert client.get(_feed_url(feed)).status_code == 404
    assert client.get(reverse("calendar_feed", args=["x" * 43])).status_code == 404
    assert client.get(_feed_url(new)).status_code == 200
    calendar_feed_revoke(patient=patient)
    assert client.get(_feed_url(new)).status_code == 404


@pytest.mark.django_db
def test_it_answers_404_once_the_account_is_closed(client, frozen, patient, regimen):
    feed = calendar_feed_create(patient=patient)
    patient.user.is_active = False
    patient.user.save()

    assert client.get(_feed_url(feed)).status_code == 404


@pytest.mark.django_db
def test_it_serves_an_empty_calendar_without_a_regimen(client, frozen, patient):
    feed = calendar_feed_create(patient=patient)

    calendar = _parse(client.get(_feed_url(feed)))

    assert calendar.walk("VEVENT") == []


@pytest.mark.django_db
def test_it_lets_only_patients_manage_their_address(client_for, frozen, team, admin_user, client):
    for user in (team, admin_user):
        assert client_for(user).get(SETTINGS).status_code == 403
        assert client_for(user).post(SETTINGS, {"action": "create"}).status_code == 403
    client.logout()
    assert client.get(SETTINGS).status_code == 302
    assert not CalendarFeed.objects.exists()


@pytest.mark.django_db
def test_it_creates_regenerates_and_revokes_the_address(client_for, frozen, patient, patient_user):
    client = client_for(patient_user)

    assert "Create my calendar address" in client.get(SETTINGS).content.decode()
    client.post(SETTINGS, {"action": "create"})
    first = CalendarFeed.objects.get()
    assert f"http://testserver/calendar/{first.token}.ics" in client.get(SETTINGS).content.decode()
    assert len(first.token) >= 43

    client.post(SETTINGS, {"include_dose": "on"})
    client.post(SETTINGS, {"action": "regenerate"})
    second = CalendarFeed.objects.get(revoked_at__isnull=True)
    assert second.token != first.token and second.include_dose

    client.post(SETTINGS, {"action": "revoke"})
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()


@pytest.mark.django_db
def test_it_keeps_each_patients_address_their_own(client_for, frozen, patient, other_patient_user):
    feed = calendar_feed_create(patient=patient)

    page = client_for(other_patient_user).get(SETTINGS).content.decode()
    client_for(other_patient_user).post(SETTINGS, {"action": "revoke"})

    assert feed.token not in page
    feed.refresh_from_db()
    assert feed.revoked_at is None


def _events(client, patient, *, details=False):
    feed = calendar_feed_create(patient=patient)
    if details:
        calendar_feed_set_include_dose(patient=patient, include_dose=True)
    response = client.get(_feed_url(feed))
    events = {str(e["UID"]).split("@")[0]: e for e in _parse(response).walk("VEVENT")}
    return events, response.content.decode()


@pytest.mark.django_db
def test_it_shows_an_approved_pause_its_last_dose_and_the_restart(
    client, frozen, patient, team, regimen
):
    plan = plan_propose(
        patient=patient,
        created_by=patient.user,
        kind="procedure",
        procedure_kind="dental",
        today=TODAY,
        procedure_on=TODAY + timedelta(days=10),
    )
    plan_approve(plan=plan, decided_by=team, today=TODAY)

    events, body = _events(client, patient)

    last, pause, restart = (
        events[f"ldn-{k}-{plan.pk}"] for k in ("pause-last", "pause", "restart")
    )
    assert last.decoded("DTSTART") == TODAY + timedelta(days=7)
    assert str(last["SUMMARY"]) == "Last LDN dose before a pause"
    # All-day from the first day without LDN to the day before the restart (DTEND exclusive).
    assert pause.decoded("DTSTART") == TODAY + timedelta(days=8)
    assert pause.decoded("DTEND") == TODAY + timedelta(days=11)
    assert str(pause["SUMMARY"]) == "No LDN"
    assert restart.decoded("DTSTART") == TODAY + timedelta(days=11)
    assert "dental" not in body.lower()

    detailed, _body = _events(client, patient, details=True)
    assert str(detailed[f"ldn-pause-{plan.pk}"]["SUMMARY"]) == "No LDN: dental work on 20 Mar 2026"


@pytest.mark.django_db
def test_it_shows_the_days_of_an_opioids_washout(client, frozen, patient, team, regimen):
    codeine = medication_add(patient=patient, name="codeine 30 mg", added_by=patient.user)
    medication_stop(medication=codeine, stopped_on=TODAY - timedelta(days=2))

    events, _body = _events(client, patient)

    washout = next(e for uid, e in events.items() if uid.startswith("ldn-washout-"))
    restart = next(e for uid, e in events.items() if uid.startswith("ldn-washout-restart-"))
    assert washout.decoded("DTSTART") == TODAY - timedelta(days=1)
    assert washout.decoded("DTEND") == TODAY + timedelta(days=8)
    assert restart.decoded("DTSTART") == TODAY + timedelta(days=8)


def _step_days(events):
    """The days of the dose-change events, as days from TODAY."""
    return sorted(
        (e.decoded("DTSTART") - TODAY).days
        for uid, e in events.items()
        if uid.startswith("ldn-step-")
    )


def _procedure(patient, team, days_ahead):
    plan = plan_propose(
        patient=patient,
        created_by=patient.user,
        kind="procedure",
        procedure_kind="dental",
        today=TODAY,
        procedure_on=TODAY + timedelta(days=days_ahead),
    )
    return plan_approve(plan=plan, decided_by=team, today=TODAY)


@pytest.mark.django_db
def test_no_dose_change_is_shown_inside_a_pause(client, frozen, patient, team, regimen):
    """Steps on days -3, 4, 11, 18 and 25; the procedure on day 20 pauses LDN on days 18-20."""
    events, _body = _events(client, patient)
    assert _step_days(events) == [-3, 4, 11, 18, 25]

    plan = _procedure(patient, team, 20)

    events, _body = _events(client, patient)
    pause = events[f"ldn-pause-{plan.pk}"]
    assert (pause.decoded("DTSTART"), pause.decoded("DTEND")) == (
        TODAY + timedelta(days=18),
        TODAY + timedelta(days=21),
    )
    assert _step_days(events) == [-3, 4, 11, 25]


@pytest.mark.django_db
def test_the_feed_follows_a_procedure_moved_to_another_day(client, frozen, patient, team, regimen):
    plan = _procedure(patient, team, 10)  # no LDN on days 8-10: no step falls in it
    events, _body = _events(client, patient)
    assert events[f"ldn-pause-last-{plan.pk}"].decoded("DTSTART") == TODAY + timedelta(days=7)
    assert _step_days(events) == [-3, 4, 11, 18, 25]

    plan_change(plan=plan, changed_by=team, today=TODAY, procedure_on=TODAY + timedelta(days=20))

    events, _body = _events(client, patient)
    last, pause, restart = (
        events[f"ldn-{k}-{plan.pk}"] for k in ("pause-last", "pause", "restart")
    )
    assert last.decoded("DTSTART") == TODAY + timedelta(days=17)
    assert pause.decoded("DTSTART") == TODAY + timedelta(days=18)
    assert pause.decoded("DTEND") == TODAY + timedelta(days=21)
    assert restart.decoded("DTSTART") == TODAY + timedelta(days=21)
    assert _step_days(events) == [-3, 4, 11, 25]  # the step of day 18 falls in the new pause


@pytest.mark.django_db
def test_an_opioid_taken_with_its_last_day_known_shows_its_days_without_ldn(
    client, frozen, patient, team, regimen
):
    """Codeine from yesterday to day 2 (a short course): no LDN until its washout ends on day
    12; the steps of days 4 and 11 are not shown."""
    codeine = medication_add(
        patient=patient,
        name="codeine 30 mg",
        added_by=patient.user,
        started_on=TODAY - timedelta(days=1),
    )
    medication_stop(medication=codeine, stopped_on=TODAY + timedelta(days=2))

    events, body = _events(client, patient)

    washout = next(e for uid, e in events.items() if uid.startswith("ldn-washout-"))
    restart = next(e for uid, e in events.items() if uid.startswith("ldn-washout-restart-"))
    assert washout.decoded("DTSTART") == TODAY - timedelta(days=1)
    assert washout.decoded("DTEND") == TODAY + timedelta(days=12)
    assert str(washout["SUMMARY"]) == "No LDN"
    assert restart.decoded("DTSTART") == TODAY + timedelta(days=12)
    assert _step_days(events) == [-3, 18, 25]
    assert "codeine" not in body.lower()

    detailed, _body = _events(client, patient, details=True)
    washout = next(e for uid, e in detailed.items() if uid.startswith("ldn-washout-"))
    assert str(washout["SUMMARY"]) == "No LDN: opioid and its washout"


@pytest.mark.django_db
def test_an_opioid_taken_with_no_last_day_hides_the_coming_steps(
    client, frozen, patient, team, regimen
):
    medication_add(patient=patient, name="tramadol 50 mg", added_by=patient.user)

    events, _body = _events(client, patient)

    assert not any(uid.startswith("ldn-washout") for uid in events)  # until when is not known
    assert _step_days(events) == [-3]


@pytest.mark.django_db
def test_a_checkin_is_an_event_at_its_time_in_the_patients_zone(
    client, frozen, patient, team, regimen
):
    # 10:00 in New York (the patient's zone) is 14:00 UTC in summer time.
    starts_at = datetime(2026, 3, 20, 14, 0, tzinfo=UTC)
    checkin = checkin_book(
        patient=patient, provider=team, starts_at=starts_at, kind="phone", booked_by=team
    )

    events, body = _events(client, patient)
    event = events[f"ldn-checkin-{checkin.pk}"]

    start = event.decoded("DTSTART")
    assert isinstance(start, datetime)
    assert start == starts_at
    assert str(start.tzinfo) == "America/New_York" and start.hour == 10
    assert event.decoded("DTEND") - start == timedelta(minutes=30)
    assert str(event["SUMMARY"]) == "LDN check-in"
    assert "BEGIN:VTIMEZONE" in body and "TZID:America/New_York" in body
