"""Opioid journeys: an opioid on the list stops LDN at every point of care until the care team
confirms the restart, and a planned procedure drives Tonight, the reminders and the calendar
feed day by day.

The clock is moved forward with time-machine (the live server runs in this process, so it
moves too; the browser keeps its own clock, which only matters for cookies, and those are
set later than the browser's clock, never earlier). A jump of days outlives the session, so
each person logs in again after one, as they would.
"""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from patients.services.profile import care_team_add
from portal.lib.timing import local_today
from portal.notifications import services as notifications
from portal.notifications.models import Notification
from regimens import safety
from regimens.models import Protocol, Regimen
from regimens.services.calendar_feeds import calendar_feed_create
from regimens.services.schedule import regimens_apply_planned_pauses
from regimens.services.start import regimen_start
from tests.e2e.helpers import log_in
from tests.factories import TEST_TOTP_SECRET, PatientUserFactory, ProviderFactory
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.e2e


@pytest.fixture
def clock():
    """10:00 today in the patient's zone (the factory's New York), whatever the hour the suite
    runs: the evening's reminders are still ahead."""
    zone = ZoneInfo("America/New_York")
    morning = datetime.combine(timezone.now().astimezone(zone).date(), time(10), tzinfo=zone)
    with time_machine.travel(morning, tick=True) as traveller:
        yield traveller


@pytest.fixture
def cast(db, clock):
    """A patient 10 days into a weekly 1 mg/mL liquid regimen, and their provider."""
    ensure_protocols()
    provider = ProviderFactory(email="doc@example.org", name="Dana Doc")
    patient = PatientUserFactory(email="pat@example.org", name="Pat Lee").patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    today = local_today(patient)
    regimen_start(
        patient=patient,
        protocol=Protocol.objects.get(family="ldnrt-1-mg-weekly", retired_at__isnull=True),
        formulation=safety.Formulation(kind=safety.LIQUID, concentration_mg_per_ml=Decimal("1")),
        dose_time="bedtime",
        start_on=today - timedelta(days=3),
        started_by=provider,
        today=today,
    )
    return provider, patient


@pytest.fixture
def patient_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _provider_logs_in(page):
    page.context.clear_cookies()
    log_in(page, "doc@example.org", totp_secret=TEST_TOTP_SECRET)
    page.wait_for_url("**/provider/")


def _patient_logs_in(page):
    page.context.clear_cookies()
    log_in(page, "pat@example.org")
    page.wait_for_url("**/patient/")


def _day(value):
    return date_format(value, "j M Y")


def _later(clock, patient, days):
    """Move to 10:00 on the patient's local day `days` later."""
    clock.shift(timedelta(days=days))
    return local_today(patient)


def test_an_opioid_stops_ldn_everywhere_until_the_care_team_confirms_the_restart(
    page, patient_page, cast, clock, axe_check
):
    provider, patient = cast
    today = local_today(patient)

    # The patient adds Percocet to the medication list.
    _patient_logs_in(patient_page)
    patient_page.goto("/medications/")
    patient_page.get_by_label("Medication name").fill("Percocet 10/325")
    patient_page.get_by_role("button", name="Add to the list").click()
    expect(patient_page.get_by_test_id("opioid-warning")).to_contain_text("contains oxycodone")
    axe_check(patient_page)

    # Tonight leads with "do not take LDN", says why and that the care team knows.
    patient_page.goto("/tonight/")
    no_ldn = patient_page.get_by_test_id("no-ldn")
    expect(no_ldn).to_contain_text("Do not take LDN tonight")
    expect(no_ldn).to_contain_text("Percocet 10/325 is an opioid")
    expect(no_ldn).to_contain_text("Your care team has been told.")
    expect(no_ldn.get_by_role("link", name="Contact your care team")).to_be_visible()
    expect(patient_page.locator("[data-dose]")).to_have_count(0)
    # A patient who took it anyway can still say so.
    expect(patient_page.get_by_role("button", name="I took it")).to_be_visible()
    axe_check(patient_page)
    patient_page.goto("/patient/")
    expect(patient_page.get_by_test_id("no-ldn")).to_contain_text("Do not take LDN tonight")

    # The evening's dose reminder is replaced by "do not take LDN", which the patient reads.
    evening = Notification.objects.filter(
        recipient=patient.user,
        channel="in_app",
        status=Notification.Status.PENDING,
        kind__in=("dose", "pause"),
        context__date=today.isoformat(),
    )
    assert list(evening.values_list("kind", flat=True)) == ["pause"]
    row = evening.get()
    Notification.objects.filter(pk=row.pk).update(status=Notification.Status.QUEUED)
    notifications.notification_send(notification_id=row.pk, version=row.version)
    patient_page.goto("/notifications/")
    expect(patient_page.get_by_text("Do not take LDN tonight")).to_be_visible()

    # The provider sees the pause recommendation first in the queue and in triage.
    _provider_logs_in(page)
    page.goto("/provider/titration/")
    item = page.locator(f"[data-queue-patient='{patient.pk}']")
    expect(item).to_contain_text("Opioid: pause LDN")
    expect(item.get_by_role("link", name=re.compile(r"^Pause LDN"))).to_be_visible()
    axe_check(page)
    page.goto("/provider/")
    row = page.locator(f"[data-triage-patient='{patient.pk}']")
    expect(row.locator("[data-recommendation='pause']")).to_be_visible()
    expect(row.locator("[data-opioid-status='active']")).to_be_visible()

    # "Mark reviewed" acknowledges the flag, but the patient stays marked.
    row.get_by_role("button", name="Mark reviewed").click()
    row = page.locator(f"[data-triage-patient='{patient.pk}']")
    expect(row.locator("[data-flag='opioid']")).to_contain_text("acknowledged by Dana Doc")
    expect(row.locator("[data-opioid-status='active']")).to_be_visible()
    axe_check(page)

    # The provider pauses LDN from the queue.
    page.goto("/provider/titration/")
    item.get_by_role("link", name=re.compile(r"^Pause LDN")).click()
    page.get_by_label("Reason").select_option("opioid_needed")
    page.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_url(f"**/patients/{patient.pk}/regimens/*/")
    assert Regimen.objects.get(patient=patient).status == Regimen.Status.PAUSED

    # The patient stops Percocet today: the washout's end is shown everywhere.
    patient_page.goto("/medications/")
    patient_page.get_by_role("link", name="Stop Percocet 10/325").click()
    patient_page.get_by_label("Stopped on").fill(today.isoformat())
    patient_page.get_by_role("button", name="Stop this medication").click()
    free = today + timedelta(days=10)
    expect(patient_page.get_by_test_id("opioid-warning")).to_contain_text(
        f"opioid-free from {_day(free)}"
    )
    patient_page.goto("/tonight/")
    expect(patient_page.get_by_test_id("no-ldn")).to_contain_text(f"Not before {_day(free)}")
    axe_check(patient_page)

    # Ten days later the washout is over: Tonight waits for the care team's restart.
    assert _later(clock, patient, 10) == free
    _patient_logs_in(patient_page)
    patient_page.goto("/tonight/")
    expect(patient_page.get_by_test_id("awaiting-restart")).to_contain_text(
        "Your care team will confirm your restart"
    )
    expect(patient_page.get_by_test_id("no-ldn")).to_have_count(0)

    # The provider restarts LDN at the old dose, from the queue.
    _provider_logs_in(page)
    page.goto("/provider/titration/")
    item = page.locator(f"[data-queue-patient='{patient.pk}']")
    expect(item).to_contain_text("Restart due")
    item.get_by_role("link", name=re.compile(r"^Restart at 1 mg")).click()
    expect(page.get_by_label("Resume at (mg)")).to_have_value("1")
    page.get_by_label("Reason").select_option("opioid_needed")
    page.get_by_role("button", name="Resume", exact=True).click()
    page.wait_for_url(f"**/patients/{patient.pk}/regimens/*/")
    axe_check(page)

    # Tonight and the reminders are back to normal.
    patient_page.goto("/tonight/")
    expect(patient_page.locator("[data-dose]")).to_have_text("1 mg: 1.0 mL of your 1 mg/mL liquid")
    expect(patient_page.get_by_test_id("awaiting-restart")).to_have_count(0)
    notifications.reminders_replan(user=patient.user)
    kinds = Notification.objects.filter(
        recipient=patient.user,
        channel="in_app",
        status=Notification.Status.PENDING,
        context__date=(free + timedelta(days=1)).isoformat(),
        kind__in=("dose", "pause"),
    ).values_list("kind", flat=True)
    assert list(kinds) == ["dose"]


def test_a_planned_procedure_drives_tonight_and_the_calendar_day_by_day(
    page, patient_page, cast, clock, axe_check
):
    provider, patient = cast
    today = local_today(patient)

    # The patient plans a dental procedure in 10 days from Tonight.
    _patient_logs_in(patient_page)
    patient_page.goto("/tonight/")
    patient_page.get_by_role("link", name=re.compile("Plan a pause of LDN")).click()
    patient_page.get_by_label("A procedure or operation").check()
    patient_page.get_by_label("Day of the procedure").fill((today + timedelta(days=10)).isoformat())
    patient_page.get_by_label("Kind of procedure").select_option("dental")
    patient_page.get_by_role("button", name="Work out the pause").click()
    expect(patient_page.get_by_text("waits for your care team's approval")).to_be_visible()
    timeline = patient_page.get_by_test_id("plan-timeline")
    expect(timeline).to_contain_text(_day(today + timedelta(days=7)))
    axe_check(patient_page)

    # The provider approves it from the queue.
    _provider_logs_in(page)
    page.goto("/provider/titration/")
    item = page.locator(f"[data-queue-patient='{patient.pk}']")
    expect(item).to_contain_text("Pause to approve")
    item.get_by_role("link", name=re.compile("Review the planned pause")).click()
    page.get_by_role("link", name=re.compile("Dental work")).click()
    axe_check(page)
    page.get_by_role("button", name="Approve the pause").click()
    expect(page.get_by_text("The pause is approved.")).to_be_visible()

    # The calendar feed shows the days without LDN.
    feed = calendar_feed_create(patient=patient)
    ics = patient_page.request.get(f"/calendar/{feed.token}.ics").text()
    first_day = (today + timedelta(days=8)).strftime("%Y%m%d")
    assert f"DTSTART;VALUE=DATE:{first_day}" in ics and "SUMMARY:No LDN" in ics

    # Three days on, the procedure moves four days later: everything follows.
    _later(clock, patient, 3)
    _patient_logs_in(patient_page)
    patient_page.goto("/tonight/pauses/")
    patient_page.get_by_role("link", name=re.compile("Dental work")).click()
    patient_page.get_by_label("New day of the procedure").fill(
        (today + timedelta(days=14)).isoformat()
    )
    patient_page.get_by_role("button", name="Plan again from the new date").click()
    expect(patient_page.get_by_text("which apply now")).to_be_visible()
    expect(patient_page.get_by_test_id("plan-timeline")).to_contain_text(
        _day(today + timedelta(days=11))
    )

    # The care team is told of the new dates; the pause stays approved.
    _provider_logs_in(page)
    page.goto(f"/patients/{patient.pk}/pauses/")
    page.get_by_role("link", name=re.compile("Dental work")).click()
    expect(page.get_by_test_id("plan-timeline")).to_contain_text(_day(today + timedelta(days=11)))
    expect(page.locator("[data-plan-status]")).to_have_attribute("data-plan-status", "approved")

    # Day 11: the last dose.
    _later(clock, patient, 8)
    _patient_logs_in(patient_page)
    patient_page.goto("/tonight/")
    expect(patient_page.get_by_test_id("last-dose")).to_contain_text(
        "Tonight is your last LDN dose before your procedure"
    )
    expect(patient_page.locator("[data-dose]")).to_be_visible()
    axe_check(patient_page)

    # Day 12: the pause begins (the schedule pauses the regimen); no LDN until day 15.
    _later(clock, patient, 1)
    assert regimens_apply_planned_pauses() == 1
    _patient_logs_in(patient_page)
    patient_page.goto("/tonight/")
    no_ldn = patient_page.get_by_test_id("no-ldn")
    expect(no_ldn).to_contain_text("Do not take LDN tonight")
    expect(no_ldn).to_contain_text(f"Not before {_day(today + timedelta(days=15))}")
    axe_check(patient_page)

    # Day 15: the provider confirms the restart at the same dose.
    _later(clock, patient, 3)
    _patient_logs_in(patient_page)
    patient_page.goto("/tonight/")
    expect(patient_page.get_by_test_id("awaiting-restart")).to_be_visible()
    _provider_logs_in(page)
    page.goto("/provider/titration/")
    item = page.locator(f"[data-queue-patient='{patient.pk}']")
    expect(item).to_contain_text("Restart due")
    item.get_by_role("link", name=re.compile(r"^Restart at")).click()
    page.get_by_label("Reason").select_option("surgery")
    page.get_by_role("button", name="Resume", exact=True).click()
    page.wait_for_url(f"**/patients/{patient.pk}/regimens/*/")
    patient_page.goto("/tonight/")
    expect(patient_page.locator("[data-dose]")).to_be_visible()
    expect(patient_page.get_by_test_id("no-ldn")).to_have_count(0)
