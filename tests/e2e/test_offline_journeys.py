"""Offline journeys in Chromium (Playwright's offline mode): a patient with no connection
logs tonight's dose and a diary day; both are kept on the phone, and on the server exactly
once when the connection returns. The same kept entry sent twice is saved once. On a weak
connection (online, but the post fails or its answer is lost) the entry is kept and saved
once. Opened with no signal, the offline page keeps tonight's dose and today's scores. A
kept diary day the portal has a newer answer for is shown to the patient, who keeps one of
the two. The morning check-in's taps are kept, sent once and settled the same way. The
service worker's caches never hold a page with health data, and after logout nothing of the
diary is left in IndexedDB or the caches."""

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from patients.models import DiaryEntry
from patients.services.diary import diary_entry_save
from patients.services.profile import care_team_add
from portal.core.models import OfflineSubmission
from portal.lib.timing import local_today
from regimens.models import DoseLog
from tests.e2e.helpers import log_in, log_out
from tests.factories import PatientUserFactory, ProviderFactory
from tests.notifications.factories import start_regimen
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.e2e
SAVED = "Saved on this phone, it will be sent when you are back online."
NOTE = "Woke twice, knee sore (kept offline)"

# Every kept entry, and every response in every cache (URL and body), read in the page.
KEPT = "() => LDNStore.all()"
CACHED = """async () => {
  const found = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      found.push({cache: name, url: request.url, body: await response.clone().text()});
    }
  }
  return found;
}"""


@pytest.fixture
def patient(db):
    ensure_protocols()
    provider = ProviderFactory(email="doc@example.org", name="Dana Doc")
    patient = PatientUserFactory(email="pat.offline@example.org", name="Pat Offline").patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    start_regimen(patient, provider, start_on=local_today(patient) - timedelta(days=3))
    return patient


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    yield context
    context.close()


def _service_worker_ready(page):
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")


def _wait_until(page, check, message):
    for _ in range(100):
        if check():
            return
        page.wait_for_timeout(200)
    raise AssertionError(message)


def test_a_dose_and_a_diary_day_kept_offline_reach_the_server_exactly_once(context, patient):
    tonight = context.new_page()
    log_in(tonight, patient.user.email)
    tonight.goto("/tonight/")
    _service_worker_ready(tonight)
    diary = context.new_page()
    diary.goto("/diary/new/")

    context.set_offline(True)
    tonight.get_by_role("button", name="I took it").click()
    expect(tonight.locator("#offline-status")).to_contain_text(SAVED)
    diary.locator("label[for=id_pain_6]").click()
    diary.get_by_text("Add a note (optional)").click()
    diary.get_by_label("Notes (optional)").fill(NOTE)
    diary.get_by_role("button", name="Save the diary").click()
    expect(diary.locator("#offline-status")).to_contain_text(SAVED)

    kept = diary.evaluate(KEPT)
    assert sorted(entry["kind"] for entry in kept) == ["diary", "dose"]
    assert len({entry["key"] for entry in kept}) == 2
    assert not DoseLog.objects.exists() and not DiaryEntry.objects.exists()
    # Another page with no connection: the offline page, which lists what waits.
    other = context.new_page()
    other.goto("/medications/")
    expect(other.get_by_test_id("offline-title")).to_have_text("No connection")
    expect(other.locator("[data-offline-entry]")).to_have_count(2)

    context.set_offline(False)  # both pages (and Background Sync) send what was kept

    _wait_until(
        tonight,
        lambda: OfflineSubmission.objects.count() == 2 and not tonight.evaluate(KEPT),
        "the kept entries were not all sent",
    )
    dose = DoseLog.objects.get()
    assert (dose.on, dose.status) == (local_today(patient), "taken")
    entry = DiaryEntry.objects.get()
    assert (entry.local_date, entry.pain, entry.notes) == (local_today(patient), 6, NOTE)
    expect(diary.locator("#offline-status")).to_contain_text("Sent:")
    tonight.reload()
    expect(tonight.get_by_text("You marked today's dose: taken.")).to_be_visible()


def test_the_same_kept_entry_sent_twice_is_saved_once(context, patient):
    page = context.new_page()
    log_in(page, patient.user.email)
    page.goto("/tonight/")
    _service_worker_ready(page)
    context.route("**/offline/send/**", lambda route: route.abort())  # nothing gets through

    context.set_offline(True)
    page.get_by_role("button", name="I skipped it").click()
    expect(page.locator("#offline-status")).to_contain_text(SAVED)
    context.set_offline(False)
    page.wait_for_timeout(500)
    assert not DoseLog.objects.exists()
    [entry] = page.evaluate(KEPT)
    context.unroute("**/offline/send/**")

    # A retry racing the first send (two tabs, Background Sync and the page): same key.
    answers = page.evaluate(
        "(entry) => Promise.all([LDNStore.send(entry), LDNStore.send(entry)])", entry
    )

    assert sorted(answer["result"] for answer in answers) == ["duplicate", "saved"]
    assert DoseLog.objects.get().status == "skipped"
    assert OfflineSubmission.objects.filter(key=entry["key"]).count() == 1


def test_nothing_of_the_diary_stays_in_the_browser_after_logout(context, patient):
    page = context.new_page()
    log_in(page, patient.user.email)
    for path in ("/patient/", "/tonight/", "/diary/", "/medications/", "/diary/new/"):
        page.goto(path)
    _service_worker_ready(page)
    context.route("**/offline/send/**", lambda route: route.abort())
    context.set_offline(True)
    page.get_by_text("Add a note (optional)").click()
    page.get_by_label("Notes (optional)").fill(NOTE)
    page.get_by_role("button", name="Save the diary").click()
    expect(page.locator("#offline-status")).to_contain_text(SAVED)
    context.set_offline(False)

    # During the session: the caches hold the shell and the offline pages, no patient data.
    cached = page.evaluate(CACHED)
    assert any("/offline/en/" in item["url"] for item in cached)
    for item in cached:
        path = urlparse(item["url"]).path
        assert path.startswith(("/static/", "/offline/", "/__language")), path
        for secret in (NOTE, patient.user.email, patient.user.name):
            assert secret not in item["body"], (item["url"], secret)
    assert len(page.evaluate(KEPT)) == 1

    page.get_by_role("button", name="Show navigation").click()  # a phone's menu
    log_out(page)

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.wait_for_function("() => typeof LDNStore !== 'undefined'")
    _wait_until(page, lambda: page.evaluate(KEPT) == [], "IndexedDB still holds the entry")
    for item in page.evaluate(CACHED):
        for secret in (NOTE, patient.user.email, patient.user.name):
            assert secret not in item["body"], (item["url"], secret)
    assert page.evaluate("() => LDNStore.getMeta('owner')") is None
    assert not DiaryEntry.objects.exists()


def test_a_dose_whose_post_fails_on_a_weak_connection_is_kept_and_sent_once(context, patient):
    # The phone says it is online, but the post never gets through (a weak signal).
    page = context.new_page()
    log_in(page, patient.user.email)
    page.goto("/tonight/")
    _service_worker_ready(page)
    context.route("**/tonight/dose/", lambda route: route.abort())
    context.route("**/offline/send/**", lambda route: route.abort())

    page.get_by_role("button", name="I took it").click()

    expect(page.locator("#offline-status")).to_contain_text(SAVED)
    [entry] = page.evaluate(KEPT)
    assert (entry["kind"], entry["fields"]["status"]) == ("dose", "taken")
    assert not DoseLog.objects.exists()

    context.unroute("**/tonight/dose/")
    context.unroute("**/offline/send/**")
    page.reload()

    _wait_until(
        page,
        lambda: (
            OfflineSubmission.objects.filter(key=entry["key"]).exists() and not page.evaluate(KEPT)
        ),
        "the kept dose was not sent",
    )
    assert DoseLog.objects.get().status == "taken"
    page.reload()
    page.wait_for_timeout(500)
    assert DoseLog.objects.count() == 1
    assert OfflineSubmission.objects.count() == 1


def test_a_diary_day_whose_answer_was_lost_is_not_saved_twice(context, patient):
    # The post reaches the portal and is saved, but the answer never comes back.
    page = context.new_page()
    log_in(page, patient.user.email)
    page.goto("/diary/new/")
    _service_worker_ready(page)

    def lose_the_answer(route):
        route.fetch()
        route.abort()

    context.route(
        "**/diary/new/",
        lambda route: (
            lose_the_answer(route) if route.request.method == "POST" else route.continue_()
        ),
    )
    context.route("**/offline/send/**", lambda route: route.abort())
    page.locator("label[for=id_pain_6]").click()
    page.get_by_role("button", name="Save the diary").click()

    expect(page.locator("#offline-status")).to_contain_text(SAVED)
    [entry] = page.evaluate(KEPT)
    assert DiaryEntry.objects.get().pain == 6  # it did arrive
    context.unroute("**/diary/new/")
    context.unroute("**/offline/send/**")
    page.goto("/diary/")

    _wait_until(page, lambda: not page.evaluate(KEPT), "the kept diary day was not sent")
    assert DiaryEntry.objects.count() == 1
    assert OfflineSubmission.objects.get().key.hex == entry["key"].replace("-", "")
    expect(page.locator("[data-offline-state=conflict]")).to_have_count(0)


def test_on_a_good_connection_the_dose_form_works_as_before(context, patient):
    page = context.new_page()
    log_in(page, patient.user.email)
    page.goto("/tonight/")

    page.get_by_role("button", name="I skipped it").click()

    expect(page.get_by_text("Tonight's dose is marked as skipped.")).to_be_visible()
    assert DoseLog.objects.get().status == "skipped"
    assert page.evaluate(KEPT) == []
    assert OfflineSubmission.objects.count() == 1


def test_opening_the_app_with_no_signal_offers_tonights_dose_and_todays_scores(context, patient):
    page = context.new_page()
    log_in(page, patient.user.email)
    page.goto("/tonight/")  # an earlier visit: the phone knows whose it is
    _service_worker_ready(page)
    page.wait_for_function("() => LDNStore.getMeta('owner').then(Boolean)")

    context.set_offline(True)
    app = context.new_page()
    app.goto("/patient/")

    expect(app.get_by_test_id("offline-title")).to_have_text("No connection")
    app.get_by_role("button", name="I took my LDN dose").click()
    expect(app.locator("#offline-status")).to_contain_text(SAVED)
    app.locator("label[for=id_pain_3]").click()
    app.locator("label[for=id_mood_8]").click()
    app.get_by_role("button", name="Save today's scores").click()
    expect(app.locator("[data-offline-entry]")).to_have_count(2)
    kept = app.evaluate(KEPT)
    assert sorted(entry["kind"] for entry in kept) == ["diary", "dose"]
    assert {entry["day"] for entry in kept} == {local_today(patient).isoformat()}
    assert not DoseLog.objects.exists() and not DiaryEntry.objects.exists()

    context.set_offline(False)
    app.goto("/patient/")

    _wait_until(
        app,
        lambda: OfflineSubmission.objects.count() == 2 and not app.evaluate(KEPT),
        "what the offline page kept was not sent",
    )
    dose = DoseLog.objects.get()
    assert (dose.on, dose.status) == (local_today(patient), "taken")
    entry = DiaryEntry.objects.get()
    assert (entry.local_date, entry.pain, entry.mood) == (local_today(patient), 3, 8)


def test_the_offline_page_offers_nothing_to_save_on_a_phone_nobody_is_logged_in_on(context):
    page = context.new_page()
    page.goto("/accounts/login/")
    _service_worker_ready(page)

    context.set_offline(True)
    page.goto("/patient/")

    expect(page.get_by_test_id("offline-title")).to_have_text("No connection")
    expect(page.get_by_test_id("offline-dose-form")).to_be_hidden()
    expect(page.get_by_test_id("offline-diary-form")).to_be_hidden()


@pytest.mark.parametrize(
    ("button", "pain", "outcome"),
    [("Keep the one from this phone", 6, "saved"), ("Keep the one in my record", 2, "kept_server")],
)
def test_a_diary_day_newer_on_the_portal_is_shown_to_choose_and_the_choice_is_kept(
    context, patient, button, pain, outcome
):
    page = context.new_page()
    log_in(page, patient.user.email)
    page.goto("/diary/new/")
    _service_worker_ready(page)
    today = local_today(patient)

    context.set_offline(True)
    page.locator("label[for=id_pain_6]").click()
    page.get_by_role("button", name="Save the diary").click()
    expect(page.locator("#offline-status")).to_contain_text(SAVED)
    # Meanwhile, from another device: a later answer for the same day.
    diary_entry_save(
        patient=patient, day=today, entered_by=patient.user, today=today, values={"pain": 2}
    )
    context.set_offline(False)

    _wait_until(
        page,
        lambda: [entry["state"] for entry in page.evaluate(KEPT)] == ["conflict"],
        "the kept day was not found to conflict",
    )
    page.reload()
    conflict = page.locator("[data-offline-state=conflict]")
    expect(conflict).to_contain_text("Your record already has a newer answer for this day")
    expect(conflict).to_contain_text("On this phone")
    expect(conflict).to_contain_text("Pain: 6")
    expect(conflict).to_contain_text("In your record")
    expect(conflict).to_contain_text("Pain: 2")
    assert DiaryEntry.objects.get().pain == 2  # nothing saved over it before the choice

    conflict.get_by_role("button", name=button).click()

    _wait_until(page, lambda: not page.evaluate(KEPT), "the chosen entry was not settled")
    expect(page.locator("[data-offline-state=conflict]")).to_have_count(0)
    assert DiaryEntry.objects.get().pain == pain
    assert OfflineSubmission.objects.get().outcome == outcome


# --- The morning check-in ---------------------------------------------------------------------


def _tap(page, answer):
    page.locator("#morning-checkin").get_by_role("button", name=answer, exact=True).click()


def test_a_morning_tap_kept_offline_reaches_the_server_once(context, patient):
    page = context.new_page()
    log_in(page, patient.user.email)
    page.goto("/patient/")
    _service_worker_ready(page)

    context.set_offline(True)
    _tap(page, "Poorly")

    expect(page.locator("#offline-status")).to_contain_text(SAVED)
    [entry] = page.evaluate(KEPT)
    assert (entry["kind"], entry["fields"]["sleep"]) == ("morning", "poor")
    expect(page.locator("[data-offline-entry=morning]")).to_contain_text("Morning check-in for")
    assert not DiaryEntry.objects.exists()

    context.set_offline(False)

    _wait_until(
        page,
        lambda: (
            OfflineSubmission.objects.filter(key=entry["key"]).exists() and not page.evaluate(KEPT)
        ),
        "the kept tap was not sent",
    )
    saved = DiaryEntry.objects.get()
    assert (saved.local_date, saved.sleep_quality) == (local_today(patient), 2)
    assert saved.morning_checkin_at is not None
    expect(page.locator("#offline-status")).to_contain_text("Sent:")
    page.reload()
    page.wait_for_timeout(500)
    assert OfflineSubmission.objects.count() == 1 and DiaryEntry.objects.count() == 1
    expect(page.locator("#morning-checkin")).to_contain_text("Dreams?")


def test_a_second_tap_to_the_same_question_offline_replaces_the_first(context, patient):
    page = context.new_page()
    log_in(page, patient.user.email)
    page.goto("/diary/")
    _service_worker_ready(page)

    context.set_offline(True)
    _tap(page, "Poorly")
    expect(page.locator("#offline-status")).to_contain_text(SAVED)
    _tap(page, "Very well")
    _wait_until(
        page,
        lambda: [e["fields"]["sleep"] for e in page.evaluate(KEPT)] == ["great"],
        "the second tap did not replace the first",
    )
    context.set_offline(False)

    _wait_until(page, lambda: not page.evaluate(KEPT), "the kept tap was not sent")
    assert DiaryEntry.objects.get().sleep_quality == 9
    assert OfflineSubmission.objects.count() == 1


def test_on_a_good_connection_the_morning_check_in_swaps_in_place_and_saves_once(context, patient):
    page = context.new_page()
    log_in(page, patient.user.email)
    page.goto("/patient/")
    page.evaluate("() => { window.samePage = true; }")

    _tap(page, "Well")

    expect(page.locator("#morning-checkin")).to_contain_text("Thanks, your sleep is saved.")
    _tap(page, "Vivid")
    expect(page.locator("#morning-checkin")).to_contain_text("last night's sleep and dreams")
    assert page.evaluate("() => window.samePage === true")  # no page load
    entry = DiaryEntry.objects.get()
    assert (entry.sleep_quality, entry.vivid_dreams) == (7, 1)
    assert OfflineSubmission.objects.count() == 2
    assert page.evaluate(KEPT) == []


def test_a_morning_tap_newer_on_the_portal_is_shown_to_choose(context, patient):
    page = context.new_page()
    log_in(page, patient.user.email)
    page.goto("/patient/")
    _service_worker_ready(page)
    today = local_today(patient)

    context.set_offline(True)
    _tap(page, "Very well")
    expect(page.locator("#offline-status")).to_contain_text(SAVED)
    diary_entry_save(
        patient=patient,
        day=today,
        entered_by=patient.user,
        today=today,
        values={"sleep_quality": 2},
    )
    context.set_offline(False)

    _wait_until(
        page,
        lambda: [entry["state"] for entry in page.evaluate(KEPT)] == ["conflict"],
        "the kept tap was not found to conflict",
    )
    page.reload()
    conflict = page.locator("[data-offline-state=conflict]")
    expect(conflict).to_contain_text("How did you sleep?: Very well")
    expect(conflict).to_contain_text("How did you sleep?: Poorly")
    assert DiaryEntry.objects.get().sleep_quality == 2

    conflict.get_by_role("button", name="Keep the one from this phone").click()

    _wait_until(page, lambda: not page.evaluate(KEPT), "the chosen tap was not settled")
    assert DiaryEntry.objects.get().sleep_quality == 9
