"""The portal is installable: Chromium's own installability check (the one Lighthouse's
"installable-manifest" audit reported, before Lighthouse 12 dropped its PWA audits) finds
nothing missing, for a visitor and for a logged-in patient."""

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.helpers import log_in
from tests.factories import PatientUserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser, live_server, tmp_path):
    """A browser profile on disk: Chromium never offers to install from an incognito one,
    which every other journey's context is."""
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        base_url=live_server.url,
    )
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _installability(page):
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    session = page.context.new_cdp_session(page)
    errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
    manifest = session.send("Page.getAppManifest")
    return errors, manifest


def test_chromium_finds_the_portal_installable(page, db):
    page.goto("/accounts/login/")
    errors, manifest = _installability(page)

    assert errors == [], errors
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert not manifest.get("errors"), manifest.get("errors")


def test_the_installed_app_opens_on_the_patients_home(page, db):
    patient = PatientUserFactory(email="pat.install@example.org")
    log_in(page, patient.email)
    page.goto("/patient/")
    errors, manifest = _installability(page)

    assert errors == [], errors
    parsed = page.evaluate(
        "url => fetch(url, {credentials: 'include'}).then(r => r.json())", manifest["url"]
    )
    assert parsed["start_url"] == "/patient/"
