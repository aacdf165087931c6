"""The diary on a phone: a 390 px wide screen, every tap counted.

A typical day without side effects, from the patient's home to the saved entry, takes at
most 8 taps and no typing; an empty day is refused with a message; an earlier day is
picked within the edit window.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from patients.models import DiaryEntry
from patients.services.profile import care_team_add
from portal.audit.models import AccessEvent
from portal.lib.timing import local_today
from regimens.models import DoseLog
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import log_in
from tests.e2e.test_diary_journeys import PHONE, _start
from tests.factories import PatientUserFactory, ProviderFactory
from tests.patients.diary_factories import DiaryEntryFactory
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.e2e
MAX_TAPS = 8


@pytest.fixture
def cast(db):
    ensure_protocols()
    provider = ProviderFactory(email="doc@example.org", name="Dana Doc")
    patient = PatientUserFactory(email="pat@example.org", name="Pat Lee").patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    return provider, patient


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


class Thumb:
    """Taps (and only taps) on a page, counted."""

    def __init__(self, page):
        self.page, self.taps = page, 0

    def tap(self, locator):
        locator.tap()
        self.taps += 1


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways ({width} px)"


def test_a_day_without_side_effects_takes_at_most_8_taps_and_no_typing(
    phone, axe_check, cast, capsys
):
    provider, patient = cast
    today = local_today(patient)
    regimen = _start(patient, provider, days_ago=5)
    log_in(phone, "pat@example.org")
    phone.wait_for_url("**/patient/")
    thumb = Thumb(phone)

    thumb.tap(phone.get_by_role("link", name="Write today's diary").first)
    phone.wait_for_url("**/diary/**")
    axe_check(phone)
    _fits(phone)
    height = phone.evaluate("document.querySelector('[data-diary-form]').offsetHeight")
    thumb.tap(phone.get_by_text("I took it", exact=True))
    for name, score in (("pain", 4), ("fatigue", 5), ("sleep_quality", 6), ("mood", 7)):
        thumb.tap(phone.locator(f"label[for=id_{name}_{score}]"))
    thumb.tap(phone.get_by_text("No side effects today", exact=True))
    expect(phone.get_by_role("radiogroup", name="Headache").get_by_label("None")).to_be_checked()
    thumb.tap(phone.get_by_role("button", name="Save the diary"))
    phone.wait_for_url("**/diary/")
    expect(phone.get_by_text(f"Your diary for {today:%-d %b} is saved.")).to_be_visible()
    axe_check(phone)

    entry = DiaryEntry.objects.get(patient=patient, local_date=today)
    assert (entry.pain, entry.fatigue, entry.sleep_quality, entry.mood) == (4, 5, 6, 7)
    assert (entry.headache, entry.nausea, entry.insomnia, entry.vivid_dreams) == (0, 0, 0, 0)
    assert DoseLog.objects.get(regimen=regimen, on=today).status == "taken"
    with capsys.disabled():
        print(
            f"\n[diary at 390 px] {thumb.taps} taps, no typing, from the home page to the saved"
            f" day; the form is {height} px tall ({height / PHONE['height']:.1f} screens)"
        )
    assert thumb.taps <= MAX_TAPS


def test_same_as_yesterday_then_save_and_an_empty_day_is_refused(phone, axe_check, cast):
    _provider, patient = cast
    today = local_today(patient)
    DiaryEntryFactory(
        patient=patient, local_date=today - timedelta(days=1), pain=3, mood=6, headache=1
    )
    log_in(phone, "pat@example.org")
    phone.wait_for_url("**/patient/")
    phone.goto("/diary/new/")

    phone.get_by_role("button", name="Save the diary").tap()
    expect(phone.get_by_text("Nothing was saved: answer at least one question")).to_be_visible()
    axe_check(phone)
    assert not DiaryEntry.objects.filter(patient=patient, local_date=today).exists()

    phone.get_by_role("link", name="Same as yesterday").tap()
    expect(phone.locator("#id_pain_3")).to_be_checked()
    expect(phone.get_by_role("radiogroup", name="Headache").get_by_label("Mild")).to_be_checked()
    axe_check(phone)
    phone.get_by_role("button", name="Save the diary").tap()
    phone.wait_for_url("**/diary/")
    entry = DiaryEntry.objects.get(patient=patient, local_date=today)
    assert (entry.pain, entry.mood, entry.headache) == (3, 6, 1)


def test_add_an_earlier_day_picks_a_day_in_the_edit_window(phone, axe_check, cast):
    _provider, patient = cast
    today = local_today(patient)
    DiaryEntryFactory(patient=patient, local_date=today, pain=2)
    log_in(phone, "pat@example.org")
    phone.wait_for_url("**/patient/")
    phone.goto("/diary/")

    phone.get_by_role("link", name="Add an earlier day").tap()
    phone.wait_for_url("**/diary/new/?earlier=1")
    two_ago = today - timedelta(days=2)
    expect(phone.get_by_role("group", name="Day")).to_contain_text("(written: saving changes it)")
    _fits(phone)
    axe_check(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "diary-earlier-390.png"), full_page=True)
    phone.locator("label[for=id_day_2]").tap()
    phone.locator("label[for=id_pain_5]").tap()
    phone.get_by_role("button", name="Save the diary").tap()
    phone.wait_for_url("**/diary/")
    assert DiaryEntry.objects.get(patient=patient, local_date=two_ago).pain == 5
    assert DiaryEntry.objects.get(patient=patient, local_date=today).pain == 2


def test_onboarding_proposes_the_time_zone_the_phone_is_set_to(browser, live_server, axe_check):
    PatientUserFactory(email="new@example.org", name="New Patient", onboarded=False)
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, timezone_id="Australia/Perth"
    )
    page = context.new_page()
    try:
        log_in(page, "new@example.org")
        page.wait_for_url("**/onboarding/**")
        expect(page.get_by_label("Time zone")).to_have_value("Australia/Perth")
        expect(page.locator("select[name=timezone] optgroup").first).to_have_attribute(
            "label", "Common"
        )
        _fits(page)
        axe_check(page)
    finally:
        context.close()


def test_a_busy_visit_shows_its_latest_times_and_every_time_a_tap_away(phone, axe_check, cast):
    """Who viewed my record, on a phone: a provider who opened the record 25 times yesterday
    is one line; it lists the latest 20 times and leads to a page with all 25."""
    provider, patient = cast
    noon = datetime.combine(
        local_today(patient) - timedelta(days=1), time(12), tzinfo=ZoneInfo(patient.user.timezone)
    )
    for minute in range(25):
        AccessEvent.objects.create(
            actor=provider,
            actor_role=provider.role,
            patient=patient,
            action="view_record",
            path="/",
            at=noon + timedelta(minutes=minute),
        )
    log_in(phone, patient.user.email)
    phone.goto("/profile/access-log/")

    phone.locator("#access-visits summary").tap()

    visit = phone.locator("#access-visits li.list-group-item")
    expect(visit).to_contain_text("Dana Doc (Provider) looked at your record")
    expect(visit.locator("time")).to_have_count(20)
    expect(visit).to_contain_text("The latest 20 times.")
    _fits(phone)
    axe_check(phone)

    phone.get_by_role("link", name="See all 25 times").tap()

    expect(phone.locator("#access-times time")).to_have_count(25)
    expect(phone.locator("#access-times")).to_contain_text("12:00 pm")
    _fits(phone)
    axe_check(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "access-visit-390.png"), full_page=True)
