"""Every page each role can reach, on a 390 px phone: nothing scrolls sideways and axe finds
nothing.

The demo world (seed_demo) is built, then each role logs in and follows every link on every
page it reaches (GET only, one page per address pattern), from its home page."""

from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from portal.core.demo import DEMO_TOTP_SECRET
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import log_in
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
PASSWORD = "ldn-demo-2026"
# Not pages: files, feeds and leaving.
SKIPPED = (
    "/accounts/logout/",
    ".csv",
    ".ics",
    ".pdf",
    "/calendar",
    "/healthz",
    "/static/",
    "/media/",
)
MAX_PAGES = 90
# Markup of the Django admin's own widgets that the portal does not render: the split date
# and time inputs and the inline "delete" boxes and choices labelled by their column only, the empty
# header over an inline's original-object column, the filter box's aria-label on a span.
# These rules are left out on /admin/ pages only; everything else is checked there too.
ADMIN_WIDGET_RULES = (
    "label",
    "label-title-only",
    "select-name",
    "empty-table-header",
    "aria-prohibited-attr",
)
# Downloads (a[download]: the passport and visit summary PDFs, exports) are files, not pages.
LINKS = (
    "[...document.querySelectorAll('a[href]:not([download])')].map((a) => a.getAttribute('href'))"
)


@pytest.fixture
def demo(db, monkeypatch, settings):
    ensure_protocols()  # an earlier journey's flush removed the seeded rows
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    settings.SETTINGS_MODULE = settings.SETTINGS_MODULE or "portal.settings.test"
    call_command("seed_demo", verbosity=0)


def _pattern(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.route}"


def _crawl(browser, live_server, axe_check, email, home, **login):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, email, PASSWORD, **login)
        page.wait_for_url(f"**{home}")
        queue, seen, visited, problems = [home], set(), [], []
        while queue and len(visited) < MAX_PAGES:
            path = queue.pop(0)
            pattern = _pattern(urlsplit(path).path)
            if pattern is None or pattern in seen:
                continue
            seen.add(pattern)
            response = page.goto(path)
            if response is None or response.status != 200 or "/accounts/login" in page.url:
                continue
            page.wait_for_load_state("networkidle")
            visited.append(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                ARTIFACTS.mkdir(exist_ok=True)
                name = path.strip("/").replace("/", "_") or "home"
                page.screenshot(path=str(ARTIFACTS / f"wide-{name}.png"), full_page=True)
                problems.append(f"{path} is {width} px wide")
            try:
                skip = ADMIN_WIDGET_RULES if urlsplit(path).path.startswith("/admin/") else ()
                axe_check(page, skip=skip)
            except AssertionError as error:
                problems.append(f"{path}: {str(error)[:1500]}")
            for href in page.evaluate(LINKS):
                url = urlsplit(urljoin(live_server.url + path, href))
                if url.netloc != urlsplit(live_server.url).netloc:
                    continue
                target = url.path + (f"?{url.query}" if url.query else "")
                if not any(skip in url.path for skip in SKIPPED):
                    queue.append(target)
        return visited, problems
    finally:
        context.close()


@pytest.mark.parametrize(
    ("email", "home", "totp"),
    [
        ("patient@example.com", "/patient/", False),
        ("provider@example.com", "/provider/", True),
        ("admin@example.com", "/staff/", True),
    ],
    ids=["patient", "provider", "admin"],
)
def test_no_page_scrolls_sideways_at_390_px_and_axe_finds_nothing(
    browser, live_server, axe_check, demo, email, home, totp, capsys
):
    login = {"totp_secret": DEMO_TOTP_SECRET} if totp else {}

    visited, problems = _crawl(browser, live_server, axe_check, email, home, **login)

    with capsys.disabled():
        print(f"\n[{email}] {len(visited)} pages at 390 px")
    assert len(visited) >= 5
    assert problems == [], "\n".join(problems)
