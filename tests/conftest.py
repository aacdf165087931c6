"""The shared cast: patient, other patient, provider, other provider, admin; and a real SMTP
server (aiosmtpd) in this process for the tests whose worker sends e-mail."""

import shutil
import socket
import subprocess
import threading
from importlib import import_module
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.apps import apps
from django.conf import settings
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from tests.caches import clear_cache
from tests.factories import AdminFactory, PatientUserFactory, ProviderFactory

# Speed is measured by the benchmarks, never asserted: no per-example deadline, which fails
# property tests at random on a busy machine.
hypothesis_settings.register_profile("portal", deadline=None)
hypothesis_settings.load_profile("portal")

# Mutation testing (`make mutation`) runs the property tests under a tracer on a busy machine:
# the same 25 examples for every mutant, and no per-example deadline.
hypothesis_settings.register_profile(
    "mutation", deadline=None, derandomize=True, database=None, max_examples=25
)

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def pytest_configure(config):
    """Compile the translation catalogues that are newer than their .mo (`make test` does it
    too, with compilemessages), so a bare `pytest` on a clean checkout speaks Spanish."""
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        msgfmt = shutil.which("msgfmt")
        if msgfmt is None:
            raise pytest.UsageError(
                "msgfmt is missing: install GNU gettext (apt-get install gettext)"
            )
        subprocess.run([msgfmt, "--check-format", "-o", str(mo), str(po)], check=True)


@pytest.fixture(autouse=True)
def _portal_language():
    """A request in Spanish leaves its language active in the test's thread (a server thread
    starts each request afresh): each test starts and ends in the portal's language."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# Reference data that data migrations load. Browser and worker tests empty every table when
# they finish, so a database reused from an earlier run may have lost it: load it again.
REFERENCE_DATA = [
    ("patients.migrations.0002_condition_catalogue", "seed"),
    ("regimens.migrations.0002_seed_protocols", "seed"),
    ("portal.content.migrations.0002_starter_library", "load"),
    ("portal.content.migrations.0004_starter_library_es", "load"),
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        for module, function in REFERENCE_DATA:
            getattr(import_module(module), function)(apps, None)


def clear_shared_cache():
    """Empty the cache every process shares (rate limits, used TOTP codes)."""
    clear_cache("default")


@pytest.fixture(autouse=True)
def _clear_cache(request):
    # Each test that can reach the database starts with a clean cache (the embedded default
    # keeps it in a database table); a test with no database access cannot use it.
    if "_django_db_helper" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    clear_shared_cache()
    yield
    clear_shared_cache()


@pytest.fixture
def patient_user(db):
    return PatientUserFactory(email="patient@example.org", name="Pat Patient")


@pytest.fixture
def other_patient_user(db):
    return PatientUserFactory(email="other.patient@example.org", name="Olive Other")


@pytest.fixture
def provider(db):
    return ProviderFactory(email="provider@example.org", name="Dr Pia Provider")


@pytest.fixture
def other_provider(db):
    return ProviderFactory(email="other.provider@example.org", name="Dr Otto Other")


@pytest.fixture
def admin_user(db):
    return AdminFactory(email="admin@example.org", name="Ada Admin")


@pytest.fixture
def client_for(client):
    """Log the client in as the given user (MFA already enrolled where the role needs it)."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


class Inbox:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.messages.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.env = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "false",
    }
    yield inbox
    controller.stop()
