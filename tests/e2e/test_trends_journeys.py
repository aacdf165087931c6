"""Trends on a phone (390 px): one small chart per measure on the same days, the dose steps
as labelled bands, dates that never touch, the 30-day default for a young regimen and the
summary that waits for enough days."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.lib.timing import local_today
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import log_in
from tests.e2e.test_diary_journeys import PHONE, _start
from tests.e2e.test_phone_journeys import cast  # noqa: F401 (a fixture)
from tests.patients.diary_factories import DiaryEntryFactory

pytestmark = pytest.mark.e2e
CHARTS = ("pain", "fatigue", "sleep_quality", "mood", "effects")

# For every chart: the dates on its time axis, where each starts and ends, and whether any
# two overlap (measured with the font they are drawn in).
TICKS = """
(names) => names.map((name) => {
  const chart = Chart.getChart(document.getElementById('chart-' + name));
  const x = chart.scales.x;
  const ctx = chart.ctx;
  ctx.save();
  ctx.font = Chart.helpers.toFont(x.options.ticks.font).string;
  const spans = x.ticks.map((tick, i) => {
    const label = x.getLabelForValue(tick.value);
    const width = ctx.measureText(label).width;
    const centre = x.getPixelForTick(i);
    return {label, left: centre - width / 2, right: centre + width / 2};
  });
  ctx.restore();
  const touching = spans.slice(1).filter((s, i) => s.left < spans[i].right + 4);
  return {name, labels: spans.map((s) => s.label), touching: touching.length,
          left: chart.chartArea.left, right: chart.chartArea.right, first: x.min, last: x.max};
})
"""


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _diary(patient, days):
    today = local_today(patient)
    for n in range(days):
        DiaryEntryFactory(
            patient=patient,
            local_date=today - timedelta(days=n),
            pain=3 + n % 4,
            fatigue=4 + n % 3,
            sleep_quality=6 - n % 3,
            mood=5 + n % 2,
            headache=1 if n % 9 == 0 else 0,
        )


def _charts(page, name):
    for chart in CHARTS:  # each is drawn as it comes near the screen
        page.locator(f"#chart-{chart}").scroll_into_view_if_needed()
    page.wait_for_function(
        "['pain','fatigue','sleep_quality','mood','effects'].every("
        "(n) => window.Chart && Chart.getChart(document.getElementById('chart-' + n)))"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-390.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the trends page scrolls sideways ({width} px)"
    axes = page.evaluate(TICKS, list(CHARTS))
    for axis in axes:
        assert axis["touching"] == 0, f"dates touch on the {axis['name']} chart: {axis['labels']}"
        assert len(axis["labels"]) >= 2
    # One time axis: every chart spans the same days over the same pixels (to a pixel).
    assert len({(a["first"], a["last"]) for a in axes}) == 1
    for edge in ("left", "right"):
        assert max(a[edge] for a in axes) - min(a[edge] for a in axes) <= 1
    return axes


def test_a_regimen_of_10_days_opens_on_30_days_and_waits_for_enough_days(
    phone,
    axe_check,
    cast,  # noqa: F811
):
    provider, patient = cast
    _start(patient, provider, days_ago=10, steps=[(3, 2)])
    _diary(patient, 25)
    log_in(phone, "pat@example.org")
    phone.wait_for_url("**/patient/")
    phone.goto("/diary/trends/")

    expect(phone.get_by_role("link", name="30 days")).to_have_attribute("aria-current", "page")
    axes = _charts(phone, "trends-10-days")
    assert axes[0]["last"] - axes[0]["first"] == 29
    summary = phone.get_by_test_id("trends-summary")
    # 11 days on LDN: compared; a change that rounds to 0.0 is no change.
    expect(summary).to_contain_text("Pain: 4.5 before the regimen, 4.4 recently")
    expect(summary).to_contain_text("Mood: 5.5 before the regimen and 5.5 recently, no change.")
    bands = phone.evaluate("JSON.parse(document.getElementById('trends-data').textContent).bands")
    assert [b["label"] for b in bands] == ["1 mg", "2 mg"]
    expect(phone.get_by_test_id("scores-table")).to_be_attached()
    axe_check(phone)


def test_four_days_on_ldn_says_how_many_more_days_the_summary_needs(
    phone,
    axe_check,
    cast,  # noqa: F811
):
    provider, patient = cast
    _start(patient, provider, days_ago=3)
    _diary(patient, 20)
    log_in(phone, "pat@example.org")
    phone.wait_for_url("**/patient/")
    phone.goto("/diary/trends/")

    summary = phone.get_by_test_id("trends-summary")
    expect(summary).to_contain_text(
        "Too early to tell whether pain fell: 3 more days with a score on LDN are needed."
    )
    expect(summary).not_to_contain_text("Farrar")
    _charts(phone, "trends-4-days")
    axe_check(phone)


def test_a_regimen_of_120_days_opens_on_90_days_with_every_step_labelled(
    phone,
    axe_check,
    cast,  # noqa: F811
):
    provider, patient = cast
    _start(patient, provider, days_ago=120, steps=[(113, 2), (106, 3), (99, 4)])
    _diary(patient, 130)
    log_in(phone, "pat@example.org")
    phone.wait_for_url("**/patient/")
    phone.goto("/diary/trends/")

    expect(phone.get_by_role("link", name="90 days")).to_have_attribute("aria-current", "page")
    axes = _charts(phone, "trends-120-days")
    assert axes[0]["last"] - axes[0]["first"] == 89
    axe_check(phone)
    phone.get_by_role("link", name="365 days").click()
    phone.wait_for_url("**/diary/trends/?days=365")
    _charts(phone, "trends-365-days")
    axe_check(phone)
