"""Settings for the test suite: fast hashing, local mail outbox, a shared test database file.

The database and broker still come from the environment, so the same suite runs on SQLite
with the filesystem broker and on PostgreSQL with Redis.
"""

from portal.settings.base import *  # noqa: F403
from portal.settings.base import DATABASES, REDIS_URL, VAR_DIR
from portal.settings.env import env_str

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# locmem unless a test process is pointed at a real SMTP server through the environment.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
ALLOWED_HOSTS = ["*"]
# Generous limits so the suite's many logins are not throttled; one test narrows them.
ACCOUNT_RATE_LIMITS = {"login_failed": "1000/m/ip,1000/m/key"}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
BROKER_DIR = VAR_DIR / "test-broker"
STORAGES = {
    **STORAGES,  # noqa: F405
    "messages": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "test-attachments"), "base_url": None},
    },
}

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: the live server, a Celery worker process and the tests share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-portal.sqlite3")}
if not REDIS_URL:
    # The test broker's own folders, whichever database a test process is pointed at.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # Poll the queue folder often: the delivery tests push 1,000 messages through it.
        "polling_interval": 0.01,
    }

# Serve static files from the source folders; no collectstatic before tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
