"""Steps shared by browser journeys."""

import re
import time

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET


def totp_code(secret: str = TEST_TOTP_SECRET) -> str:
    # A code typed in the last seconds of its 30-second period may reach the server in the
    # next one, where it is no longer valid: wait for a fresh period instead, as a person would.
    remaining = 30 - time.time() % 30
    if remaining < 6:
        time.sleep(remaining + 0.5)
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


def log_in(page, email: str, password: str = TEST_PASSWORD, *, totp_secret: str | None = None):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if totp_secret:
        page.locator("input[name=code]").fill(totp_code(totp_secret))
        page.get_by_role("button", name="Sign In").click()


def log_out(page):
    # The page first empties the phone's offline store and caches (at most 2 s), then
    # submits the form: wait until the logged-out page's answer has come, or the next
    # page.goto would cut the log-out off. Its own loading (which clears the store again)
    # is not waited for.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/accounts/(login|logout)/"), wait_until="commit", timeout=30_000)
