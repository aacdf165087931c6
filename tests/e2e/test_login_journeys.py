import pytest
from allauth.mfa.models import Authenticator

from tests.e2e.helpers import log_in, log_out, totp_code
from tests.factories import (
    TEST_PASSWORD,
    TEST_TOTP_SECRET,
    AdminFactory,
    PatientUserFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.e2e


def test_a_patient_logs_in_and_out(page, axe_check):
    PatientUserFactory(email="pat@example.org", name="Pat Lee")

    log_in(page, "pat@example.org")

    page.wait_for_url("**/patient/")
    assert page.get_by_role("heading", name="Hello, Pat").is_visible()
    axe_check(page)
    log_out(page)
    page.wait_for_url("**/accounts/login/")
    page.goto("/patient/")
    page.wait_for_url("**/accounts/login/**")


def test_a_provider_logs_in_with_a_second_factor(page, axe_check):
    ProviderFactory(email="doc@example.org", name="Dana Doc")

    log_in(page, "doc@example.org", totp_secret=TEST_TOTP_SECRET)

    page.wait_for_url("**/provider/")
    assert page.get_by_role("heading", name="Hello, Dana").is_visible()
    axe_check(page)
    log_out(page)
    page.wait_for_url("**/accounts/login/")


def test_an_admin_logs_in_and_reaches_the_admin_home(page, axe_check):
    AdminFactory(email="boss@example.org")

    log_in(page, "boss@example.org", totp_secret=TEST_TOTP_SECRET)

    page.wait_for_url("**/staff/")
    assert page.get_by_role("heading", name="Administration").is_visible()
    axe_check(page)
    log_out(page)


def test_a_new_provider_must_enrol_totp_before_anything_else(page, axe_check):
    provider = ProviderFactory(email="fresh@example.org", name="Fay Fresh", mfa=False)

    log_in(page, "fresh@example.org")

    # Setting up a second factor asks for the password again (allauth's re-authentication).
    page.wait_for_url("**/accounts/reauthenticate/**")
    assert page.get_by_text("Your role needs two-factor authentication").is_visible()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    axe_check(page)
    page.goto("/provider/")
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(lambda url: "/totp/activate/" not in url)

    assert Authenticator.objects.filter(user=provider, type="totp").exists()
    page.goto("/")
    page.wait_for_url("**/provider/")
    assert page.get_by_role("heading", name="Hello, Fay").is_visible()


def test_a_wrong_password_shows_a_message_and_does_not_log_in(page, axe_check):
    PatientUserFactory(email="pat@example.org")

    log_in(page, "pat@example.org", "wrong-password")

    assert page.get_by_text("not correct").is_visible()
    axe_check(page)
    page.goto("/patient/")
    page.wait_for_url("**/accounts/login/**")
