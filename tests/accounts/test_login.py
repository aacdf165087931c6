from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.urls import reverse

from portal.accounts.models import User
from tests.e2e.helpers import totp_code
from tests.factories import TEST_PASSWORD, CaregiverFactory, PatientUserFactory


def _login(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_it_logs_a_patient_in_with_email_and_password(client, patient_user):
    response = _login(client, "patient@example.org", TEST_PASSWORD)

    assert response.status_code == 302
    assert client.get("/").url == "/patient/"


def test_it_accepts_the_email_in_any_case(client, patient_user):
    response = _login(client, "Patient@Example.ORG", TEST_PASSWORD)

    assert response.status_code == 302


def test_it_refuses_a_wrong_password_with_a_message(client, patient_user):
    response = _login(client, "patient@example.org", "not-the-password")

    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct" in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_it_asks_a_provider_for_a_second_factor(client, provider):
    response = _login(client, "provider@example.org", TEST_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session


def test_it_rate_limits_failed_logins(client, settings, patient_user):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/key"}

    for _ in range(3):
        _login(client, "patient@example.org", "wrong")
    response = _login(client, "patient@example.org", TEST_PASSWORD)

    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.django_db
def test_it_sends_the_django_admin_login_through_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_it_has_public_sign_up_closed(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": "x-Strong-pass-123",
            "password2": "x-Strong-pass-123",
        },
    )

    assert b"Sign Up Closed" in response.content or b"closed" in response.content.lower()
    assert not User.objects.filter(email="new@example.org").exists()


def test_it_keeps_an_unverified_user_out_until_the_email_is_confirmed(db, client, mailoutbox):
    user = PatientUserFactory(email="new.patient@example.org")
    EmailAddress.objects.filter(user=user).update(verified=False)

    response = _login(client, "new.patient@example.org", TEST_PASSWORD)

    assert response.status_code == 302
    assert "/accounts/confirm-email/" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert mailoutbox and mailoutbox[0].to == ["new.patient@example.org"]


def test_it_lets_a_deactivated_user_not_log_in(client, patient_user):
    patient_user.is_active = False
    patient_user.save()

    response = _login(client, "patient@example.org", TEST_PASSWORD)

    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)


@pytest.mark.django_db
def test_a_caregiver_enrols_totp_like_any_account_and_is_then_asked_for_it(client):
    CaregiverFactory(email="ana@example.org", name="Ana Ruiz")
    enrolled_at = datetime(2026, 11, 27, 10, 0, 10, tzinfo=UTC)  # early in a 30-second period
    with time_machine.travel(enrolled_at, tick=False):
        assert _login(client, "ana@example.org", TEST_PASSWORD)["Location"] != (
            "/accounts/2fa/authenticate/"  # optional for caregivers, as for patients
        )
        account = client.get(reverse("account")).content.decode()
        assert "You can turn it on to protect the records you help with." in account
        assert "Your role needs two-factor authentication." not in account
        activate = "/accounts/2fa/totp/activate/"
        # Setting up a second factor asks for the password again, as for a provider.
        assert client.get(activate)["Location"].startswith("/accounts/reauthenticate/")
        response = client.post(
            f"/accounts/reauthenticate/?next={activate}", {"password": TEST_PASSWORD}
        )
        assert response["Location"] == activate
        assert client.get(activate).status_code == 200
        secret = client.session["mfa.totp.secret"]
        response = client.post(activate, {"code": totp_code(secret)})
        assert response.status_code == 302
        assert "Two-factor authentication is on." in client.get(reverse("account")).content.decode()
    assert Authenticator.objects.filter(user__email="ana@example.org", type="totp").exists()

    client.logout()
    with time_machine.travel(enrolled_at + timedelta(minutes=2), tick=False):
        response = _login(client, "ana@example.org", TEST_PASSWORD)
        assert response["Location"] == "/accounts/2fa/authenticate/"
        assert "_auth_user_id" not in client.session
        client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
        assert client.get("/").url == "/care/"
