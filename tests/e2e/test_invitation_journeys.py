import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from patients.models import CareTeamMembership, Patient
from portal.accounts.models import Role, User
from portal.accounts.services import invitation_create
from tests.e2e.helpers import log_in, log_out
from tests.factories import TEST_TOTP_SECRET, PatientUserFactory, ProviderFactory

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "violet-Harbour-lantern-42"


def _link_path(message) -> str:
    # The link carries SITE_URL; the live server runs elsewhere, so keep only the path.
    link = re.search(r"https?://\S+/invitations/accept/\S+/", message.body).group(0)
    return urlsplit(link).path


def test_a_provider_invites_a_patient_who_sets_a_password_and_is_logged_in(page, axe_check):
    provider = ProviderFactory(email="doc@example.org", name="Dana Doc")

    log_in(page, "doc@example.org", totp_secret=TEST_TOTP_SECRET)
    page.wait_for_url("**/provider/")
    page.goto("/invitations/")
    page.get_by_role("link", name="Invite a patient").click()
    page.wait_for_url("**/invitations/new/")
    assert page.get_by_role("heading", name="Invite a patient").is_visible()
    axe_check(page)
    page.get_by_label("E-mail address").fill("nina@example.org")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_url("**/invitations/")
    assert page.get_by_text("Invitation sent to nina@example.org.").is_visible()
    assert page.get_by_role("cell", name="Open").is_visible()
    axe_check(page)
    log_out(page)
    page.wait_for_url("**/accounts/login/")

    assert [message.to for message in mail.outbox] == [["nina@example.org"]]
    page.goto(_link_path(mail.outbox[0]))
    assert page.get_by_role("heading", name="Join the LDN Portal").is_visible()
    assert page.get_by_label("E-mail address").input_value() == "nina@example.org"
    axe_check(page)
    page.get_by_label("Your name").fill("Nina New")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(lambda url: "/invitations/accept/" not in url)

    assert page.get_by_role("button", name="Log out").is_visible()
    user = User.objects.get(email="nina@example.org")
    assert (user.role, user.name) == (Role.PATIENT, "Nina New")
    assert CareTeamMembership.objects.filter(
        patient=Patient.objects.get(user=user), provider=provider, until__isnull=True
    ).exists()


def test_an_expired_invitation_link_explains_what_to_do(page, axe_check):
    provider = ProviderFactory(email="doc@example.org")
    _invitation, token = invitation_create(
        email="late@example.org",
        role=Role.PATIENT,
        invited_by=provider,
        now=timezone.now() - timedelta(days=30),
    )

    page.goto(f"/invitations/accept/{token}/")

    assert page.get_by_role("heading", name="This invitation has expired").is_visible()
    assert page.get_by_text("ask your provider to send a new invitation").is_visible()
    assert page.locator("input[type=password]").count() == 0
    axe_check(page)
    assert not User.objects.filter(email="late@example.org").exists()


def test_a_logged_in_person_logs_out_from_the_link_and_gets_the_form(page, axe_check):
    provider = ProviderFactory(email="doc@example.org")
    PatientUserFactory(email="pat@example.org")
    _invitation, token = invitation_create(
        email="nina@example.org", role=Role.PATIENT, invited_by=provider
    )
    log_in(page, "pat@example.org")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(f"/invitations/accept/{token}/")
    assert page.get_by_role("heading", name="Log out to accept this invitation").is_visible()
    axe_check(page)
    # The form comes back to the same address: wait for the navigation, not for the URL.
    with page.expect_navigation():
        page.get_by_role("button", name="Log out and continue").click()

    page.wait_for_url(f"**/invitations/accept/{token}/")
    expect(page.get_by_role("heading", name="Join the LDN Portal")).to_be_visible()
    assert page.get_by_role("button", name="Log out").count() == 0
