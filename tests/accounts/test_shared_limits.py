"""Login limits and TOTP replay protection hold across web processes: two real gunicorn
processes on two ports share the database and the cache (a database table on the embedded
default, Redis when REDIS_URL is set), as the web processes of one or many hosts do."""

import pytest
from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.e2e.helpers import totp_code
from tests.factories import TEST_PASSWORD, PatientUserFactory
from tests.web import Visitor, gunicorn

pytestmark = [pytest.mark.web, pytest.mark.django_db(transaction=True)]

WRONG = "The email address and/or password you specified are not correct."
TOO_MANY = "Too many failed login attempts. Try again later."


@pytest.fixture(scope="module")
def two_web_processes(django_db_setup):
    # Module scope: starting gunicorn costs seconds. The processes keep no state of their
    # own: every test's data and cache entries are its own.
    with gunicorn(name="web-a") as first, gunicorn(name="web-b") as second:
        yield first, second


@pytest.fixture
def patient(db):
    """A patient whose password the web processes can check: they hash as `make run` does
    (PBKDF2), not with the suite's fast hasher."""
    user = PatientUserFactory(email="pat@example.org", mfa=True)
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(TEST_PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    return user


def _log_in(visitor, server, password):
    return visitor.post(
        server, "/accounts/login/", {"login": "pat@example.org", "password": password}
    )


def test_a_totp_code_used_through_one_process_is_refused_by_the_other(two_web_processes, patient):
    first, second = two_web_processes
    at_home, elsewhere = Visitor(), Visitor()
    assert _log_in(at_home, first, TEST_PASSWORD).location == "/accounts/2fa/authenticate/"
    assert _log_in(elsewhere, second, TEST_PASSWORD).location == "/accounts/2fa/authenticate/"

    code = totp_code()
    period = next(yield_hotp_counters_from_time())
    accepted = at_home.post(first, "/accounts/2fa/authenticate/", {"code": code})
    replayed = elsewhere.post(second, "/accounts/2fa/authenticate/", {"code": code})
    assert next(yield_hotp_counters_from_time()) == period, "the code's period ended mid-test"

    assert accepted.status == 302
    assert at_home.get(second, "/patient/").status == 200
    assert replayed.status == 200
    assert "Incorrect code." in replayed.text
    assert elsewhere.get(first, "/patient/").location.startswith("/accounts/login/")


def test_the_sixth_wrong_password_is_refused_whichever_process_answers(two_web_processes, patient):
    first, second = two_web_processes
    servers = [first, second, first, second, first, second]

    answers = [_log_in(Visitor(), server, "not-the-password").text for server in servers]

    assert all(WRONG in text for text in answers[:5])
    assert TOO_MANY in answers[5]
    for server in (first, second):
        visitor = Visitor()
        refused = _log_in(visitor, server, TEST_PASSWORD)
        assert refused.status == 200
        assert TOO_MANY in refused.text
