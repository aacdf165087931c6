"""The per-address login limit counts the client's address: behind TRUSTED_PROXY_COUNT proxies
the one they pass on in X-Forwarded-For, else the connection's own. Real gunicorn processes
started with the setting in their environment, as a deployment starts them."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import override_settings

from tests.factories import TEST_PASSWORD, PatientUserFactory
from tests.web import Visitor, gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

TOO_MANY = "Too many failed login attempts. Try again later."
# The default per-address limit: 10 failed logins a minute (LOGIN_FAILED_RATE_LIMIT).
PER_ADDRESS = 10


@pytest.fixture
def patient(db):
    user = PatientUserFactory(email="pat@example.org")
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(TEST_PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    return user


def _fail_logins(server, count, *, forwarded_for):
    """`count` failed logins with made-up e-mails; returns the answers' texts."""
    texts = []
    for i in range(count):
        visitor = Visitor({"X-Forwarded-For": forwarded_for(i)})
        data = {"login": f"guess{i}@example.org", "password": "guess"}
        texts.append(visitor.post(server, "/accounts/login/", data).text)
    return texts


def _log_in(server, *, forwarded_for):
    visitor = Visitor({"X-Forwarded-For": forwarded_for})
    data = {"login": "pat@example.org", "password": TEST_PASSWORD}
    return visitor.post(server, "/accounts/login/", data)


@pytest.mark.web
def test_behind_one_proxy_one_clients_failures_do_not_lock_out_another(patient):
    with gunicorn(env={"TRUSTED_PROXY_COUNT": "1"}, name="web-proxy") as server:
        # The proxy appends the address it saw; whatever the client wrote before it is its own.
        texts = _fail_logins(
            server, PER_ADDRESS + 1, forwarded_for=lambda i: f"10.9.8.{i}, 203.0.113.5"
        )
        neighbour = _log_in(server, forwarded_for="198.51.100.7")

    assert not any(TOO_MANY in text for text in texts[:PER_ADDRESS])
    assert TOO_MANY in texts[PER_ADDRESS]
    assert neighbour.status == 302
    assert neighbour.location == "/"


@pytest.mark.web
def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(patient):
    with gunicorn(env={"TRUSTED_PROXY_COUNT": "0"}, name="web-direct") as server:
        texts = _fail_logins(server, PER_ADDRESS, forwarded_for=lambda i: f"192.0.2.{i}")
        refused = _log_in(server, forwarded_for="198.51.100.7")

    assert not any(TOO_MANY in text for text in texts)
    assert refused.status == 200
    assert TOO_MANY in refused.text


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=2)
def test_a_request_that_went_round_the_proxies_counts_its_own_address(client, patient):
    # Two proxies should have left two addresses; one means the request did not pass both.
    response = client.post(
        "/accounts/login/",
        {"login": "pat@example.org", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )

    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_the_per_account_limit_counts_whatever_host_a_request_names(client, settings, patient):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/key"}

    for port in (8000, 8001, 8002):
        client.post(
            "/accounts/login/",
            {"login": "pat@example.org", "password": "wrong"},
            HTTP_HOST=f"127.0.0.1:{port}",
        )
    response = client.post(
        "/accounts/login/",
        {"login": "pat@example.org", "password": "wrong"},
        HTTP_HOST="localhost:8003",
    )

    assert TOO_MANY in response.content.decode()
