"""Reminder journeys in the browser, delivered by a real Celery worker process.

A provider books a check-in, the patient confirms it and finds the hour-before reminder in
the notification centre; a patient turns diary nudges off and no nudge arrives. The
reminder rows are planned by the portal as usual; only their due time is travelled to now
(the worker runs in another process, where the test cannot move the clock). Every page
visited is checked with axe-core.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patients.models import CheckIn
from patients.services.profile import care_team_add
from portal.notifications import services
from portal.notifications.models import Notification
from tests.e2e.helpers import log_in
from tests.factories import TEST_TOTP_SECRET, PatientUserFactory, ProviderFactory
from tests.notifications.factories import rows, start_regimen
from tests.worker import celery_worker, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.worker]
Status = Notification.Status


@pytest.fixture
def cast(db):
    provider = ProviderFactory(email="doc@example.org", name="Dana Doc")
    patient = PatientUserFactory(email="pat@example.org", name="Pat Lee").patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    return provider, patient


@pytest.fixture
def patient_page(browser, live_server):
    """A second browser, for the patient."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _due_now(queryset) -> int:
    return queryset.update(due_at=timezone.now() - timedelta(seconds=1))


def _delivered(queryset):
    return lambda: not queryset.filter(status__in=[Status.PENDING, Status.QUEUED, Status.SENDING])


def test_a_booked_and_confirmed_check_in_is_reminded_in_the_notification_centre(
    page, patient_page, axe_check, cast
):
    provider, patient = cast
    starts = timezone.localtime(timezone.now() + timedelta(minutes=65), ZoneInfo(provider.timezone))

    # The provider books a phone check-in from the patient's record.
    log_in(page, "doc@example.org", totp_secret=TEST_TOTP_SECRET)
    page.wait_for_url("**/provider/")
    page.goto(f"/patients/{patient.pk}/")
    axe_check(page)
    page.get_by_role("link", name="Book a check-in").click()
    page.wait_for_url("**/check-ins/new/")
    axe_check(page)
    page.get_by_role("textbox", name="Date").fill(starts.date().isoformat())
    page.get_by_role("textbox", name="Time").fill(starts.strftime("%H:%M"))
    page.get_by_label("Phone call").check()
    page.get_by_role("button", name="Book the check-in").click()
    page.wait_for_url("**/check-ins/*/")
    expect(page.get_by_text("The patient is asked to confirm it.")).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("Booked, waiting for the patient")
    axe_check(page)
    page.goto("/provider/check-ins/")
    expect(page.get_by_role("cell", name="Pat Lee")).to_be_visible()
    axe_check(page)

    # The patient confirms it.
    log_in(patient_page, "pat@example.org")
    patient_page.wait_for_url("**/patient/")
    expect(patient_page.get_by_text("please confirm")).to_be_visible()
    axe_check(patient_page)
    patient_page.goto("/check-ins/")
    axe_check(patient_page)
    patient_page.get_by_role("button", name="Confirm").click()
    expect(patient_page.get_by_text("is confirmed.")).to_be_visible()
    expect(patient_page.locator("[data-status]")).to_have_text("Confirmed.")
    axe_check(patient_page)
    assert CheckIn.objects.get().status == CheckIn.Status.CONFIRMED

    # An hour before: the worker delivers the reminder beat's dispatcher hands it.
    hour_before = Notification.objects.filter(kind="checkin", context__event="1h")
    assert _due_now(hour_before) == 4  # the patient and the provider, portal and e-mail
    with celery_worker(concurrency=2):
        services.dispatch_due()
        wait_until(_delivered(hour_before), timeout=90, message="the reminder was not sent")

    patient_page.goto("/notifications/")
    expect(patient_page.get_by_text("Check-in in 1 hour")).to_be_visible()
    expect(patient_page.get_by_text("Your check-in with Dana Doc is on")).to_be_visible()
    expect(patient_page.get_by_test_id("unread-count")).to_contain_text("1")
    axe_check(patient_page)
    page.goto("/notifications/")
    expect(page.get_by_text("Your check-in with Pat Lee is on")).to_be_visible()
    axe_check(page)


def test_a_patient_who_turns_diary_nudges_off_gets_none(patient_page, axe_check, cast):
    provider, patient = cast
    start_regimen(patient, provider, start_on=timezone.localdate() - timedelta(days=1))
    services.reminders_replan(user=patient.user)
    nudges = rows(patient.user, "diary").order_by("due_at")
    first_day = nudges.first().context["date"]

    log_in(patient_page, "pat@example.org")
    patient_page.wait_for_url("**/patient/")
    with celery_worker(concurrency=1):
        # With nudges on, tonight's arrives.
        _due_now(nudges.filter(context__date=first_day))
        services.dispatch_due()
        wait_until(_delivered(nudges.filter(context__date=first_day)), timeout=90)
        patient_page.goto("/notifications/")
        expect(patient_page.get_by_text("How was your day?")).to_be_visible()
        axe_check(patient_page)

        # The patient turns them off; the nudges planned for the next days are withdrawn.
        patient_page.get_by_role("link", name="Reminder settings").click()
        patient_page.wait_for_url("**/notifications/preferences/")
        axe_check(patient_page)
        patient_page.get_by_label("Diary reminder", exact=True).uncheck()
        patient_page.get_by_role("button", name="Save").click()
        expect(patient_page.get_by_text("Your reminder settings are saved.")).to_be_visible()
        axe_check(patient_page)

        later = nudges.exclude(context__date=first_day)
        assert later.exists() and not later.exclude(status=Status.CANCELLED).exists()
        _due_now(later)
        assert services.dispatch_due() == 0

    assert rows(patient.user, "diary", status=Status.SENT).count() == 2  # tonight's, 2 channels
    assert not later.exclude(status=Status.CANCELLED).exists()
    patient_page.goto("/notifications/")
    expect(patient_page.get_by_text("How was your day?")).to_have_count(1)
    axe_check(patient_page)
