"""Settings shared by every environment, read from the environment with development defaults.

`.env.example` and the README's configuration table list every variable read here.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.settings.env import env_bool, env_decimal, env_int, env_list, env_str
from portal.settings.keys import development_rsa_private_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str(
    "SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Proxies in front of the web processes that each append the address they received a request
# from to X-Forwarded-For (1 behind one TLS-terminating proxy). With 0 the header is ignored and
# the connection's address is the client's; set too high, anyone could pick their address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "portal.core",
    "portal.accounts",
    "portal.content",
    "portal.audit",
    "portal.notifications",
    "patients",
    "messaging",
    "regimens",
    "oauth2_provider",
    "interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.accounts.middleware.UserLanguageMiddleware",
    "portal.accounts.middleware.NoStoreForUsersMiddleware",
    "portal.accounts.middleware.ClearSiteDataOnLogoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.accounts.middleware.IdleTimeoutMiddleware",
    "portal.accounts.middleware.RequireMFAMiddleware",
    "patients.middleware.RequireOnboardingMiddleware",
    "portal.core.middleware.OfflineKeyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web process, the worker and beat share one SQLite file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The languages the portal speaks (README, "Languages"). A user's own choice (User.language)
# wins; without one, the language cookie the switch sets, then the browser's Accept-Language.
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# "26 Nov 2026" and "19:10" wherever Django writes a date by itself (the admin included).
FORMAT_MODULE_PATH = ["portal.lib.locale_formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Files attached to messages: served only through an access-checked view, never by URL.
    # Point MESSAGE_ATTACHMENT_DIR elsewhere, or replace this backend in production settings.
    "messages": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env_str("MESSAGE_ATTACHMENT_DIR", str(VAR_DIR / "attachments")),
            "base_url": None,
        },
    },
}

# --- Messages between patients and their care team ----------------------------------------
MESSAGES = {
    # What patients are told when they write: how soon the care team answers.
    "REPLY_PROMISE": env_str("MESSAGE_REPLY_PROMISE", "within 2 working days"),
    # A sender may withdraw a message for this many minutes after sending it.
    "WITHDRAW_MINUTES": 5,
    "MAX_LENGTH": 10_000,
    "MAX_FILES": 3,
    "MAX_FILE_BYTES": 10 * 1024 * 1024,
    # Words that make a message look urgent, one list per language of the portal (LANGUAGES).
    # Every list applies to every message, whatever the writer's language: a message
    # containing one word of any list shows the emergency guidance before it is sent and is
    # flagged urgent for the care team. Matching ignores case, accents and spacing, so the
    # Spanish words also catch the same words typed without accents.
    "SAFETY_WORDS": {
        "en": [
            "chest pain",
            "can't breathe",
            "cannot breathe",
            "can not breathe",
            "short of breath",
            "suicidal",
            "suicide",
            "kill myself",
            "end my life",
            "overdose",
            "overdosed",
            "anaphylaxis",
            "severe allergic reaction",
            "allergic reaction",
            "throat swelling",
            "face swelling",
            "unconscious",
            "seizure",
        ],
        # The same meanings as the English list, as patients write them.
        "es": [
            "dolor de pecho",
            "dolor en el pecho",
            "dolor torácico",
            "me duele el pecho",
            "no puedo respirar",
            "no puede respirar",
            "me cuesta respirar",
            "dificultad para respirar",
            "me falta el aire",
            "le falta el aire",
            "falta de aire",
            "me ahogo",
            "suicida",
            "suicidas",
            "suicidio",
            "suicidarme",
            "suicidar",
            "matarme",
            "quitarme la vida",
            "acabar con mi vida",
            "terminar con mi vida",
            "sobredosis",
            "anafilaxia",
            "anafilaxis",
            "choque anafiláctico",
            "shock anafiláctico",
            "reacción alérgica grave",
            "reacción alérgica severa",
            "reacción alérgica",
            "se me hincha la garganta",
            "se me cierra la garganta",
            "garganta hinchada",
            "hinchazón de garganta",
            "hinchazón de la garganta",
            "se me hincha la cara",
            "cara hinchada",
            "hinchazón de cara",
            "hinchazón de la cara",
            "inconsciente",
            "perdió el conocimiento",
            "perdí el conocimiento",
            "convulsión",
            "convulsiones",
            "ataque epiléptico",
            "crisis epiléptica",
        ],
    },
}

# --- Accounts (django-allauth) -------------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "portal.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[LDN Portal] "
ACCOUNT_RATE_LIMITS = {
    # Failed logins: per address and per account; the Django admin login goes through the
    # same view (see portal/urls.py), so it is limited the same way.
    "login_failed": env_str("LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# The per-address limits above count the address allauth finds through these proxies.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "LDN Portal"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", DEBUG)
MFA_PASSKEY_LOGIN_ENABLED = False
# Roles that must enrol a second factor before they reach any other page.
MFA_REQUIRED_ROLES = ("provider", "admin")

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Idle timeouts in minutes: a session with no request for this long is logged out.
SESSION_IDLE_TIMEOUT_STAFF = env_int("SESSION_IDLE_TIMEOUT_STAFF", 30, minimum=1)
SESSION_IDLE_TIMEOUT_PATIENT = env_int("SESSION_IDLE_TIMEOUT_PATIENT", 120, minimum=1)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail ---------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "LDN Portal <no-reply@ldn-portal.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)

# --- SMART on FHIR (django-oauth-toolkit) ---------------------------------------------------
# Connected apps get read-only access to the FHIR API (/fhir/, README "FHIR API and connected
# apps") with the authorization-code flow and PKCE. Apps are registered by admins in the
# Django admin (Django OAuth Toolkit → Applications).
OAUTH2_PROVIDER = {
    "SCOPES": {
        "patient/*.read": "Read your health record: profile, conditions, medications, LDN plan, "
        "diary and check-ins",
        "patient/*.rs": "Read and search your health record: profile, conditions, medications, "
        "LDN plan, diary and check-ins",
        "launch/patient": "Know which patient record it is working with",
        "openid": "Know who you are",
        "fhirUser": "Know your name and role",
        "offline_access": "Keep reading your record after you close it, until you revoke it",
    },
    "DEFAULT_SCOPES": ["patient/*.read"],
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    "REQUEST_APPROVAL_PROMPT": "force",
    # The OAuth 2.0 Security BCP (RFC 9700): no implicit or password grant, PKCE with S256
    # only, tokens in the Authorization header only, `iss` in the authorization response,
    # tokens stored hashed, a replayed refresh token revokes its whole family.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # OpenID Connect: a token request with `openid` also gets an id_token, signed with the
    # portal's RSA key (RS256), whose `fhirUser` names the patient's FHIR resource
    # (interop/oidc.py). Production sets the key in the environment (production.py).
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": env_str("OIDC_RSA_PRIVATE_KEY", "")
    or development_rsa_private_key(VAR_DIR),
    "OAUTH2_VALIDATOR_CLASS": "interop.oidc.SmartValidator",
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
}
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

# --- Security headers ------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Cache ----------------------------------------------------------------------------------
# allauth keeps its rate limits and the TOTP codes already used here, so every web process on
# every host must share one cache: Redis when there is one, else a table in the database
# (`make migrate` and the test database create it). Django's database cache claims a key with
# an INSERT in a transaction, and SQLite runs one writer at a time, so two processes cannot
# both `add` the same used code; the file-based cache checks and writes in two steps.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # The broker's keys live in the same database; this prefix keeps them apart.
            "KEY_PREFIX": "ldn-cache",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
            # The default (300) would cull live rate-limit and used-code entries under load.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }
# Rendered list rows (portal.lib.fragments), keyed by a digest of what they show: any process
# may keep its own copy, so without Redis each process keeps them in its memory.
CACHES["fragments"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "ldn-fragments",
        # A Redis that hangs costs a page at most this long before its rows are rendered.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 5_000},
    }
)

# --- Celery ------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # Kombu's filesystem transport, each message written whole (portal/lib/fsbroker.py): no
    # server to run, folders under var/.
    CELERY_BROKER_URL = "portal-filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 90, minimum=1)
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 1, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# The one static schedule: UTC intervals only. Per-patient times live in database rows.
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "portal.core.tasks.heartbeat", "schedule": timedelta(minutes=1)},
    "regimens-refresh-statuses": {
        "task": "regimens.tasks.refresh_statuses",
        "schedule": timedelta(minutes=15),
    },
    "regimens-apply-automatic-steps": {
        "task": "regimens.tasks.apply_automatic_steps",
        "schedule": timedelta(hours=1),
    },
    "dispatch-due-notifications": {
        "task": "notifications.dispatch_due",
        "schedule": timedelta(minutes=1),
    },
    # Every 30 s: after a Redis restart the reminders it lost go out again within a minute.
    "sweep-stuck-notifications": {
        "task": "notifications.sweep_stuck",
        "schedule": timedelta(seconds=30),
    },
    "plan-upcoming-notifications": {
        "task": "notifications.plan_upcoming",
        "schedule": timedelta(hours=1),
    },
    "flag-overdue-checkins": {
        "task": "patients.checkins.flag_overdue",
        "schedule": timedelta(minutes=15),
    },
    # Silent diaries and missed doses appear without a diary save: look every hour.
    "patients-evaluate-diary-flags": {
        "task": "patients.diary.evaluate_flags",
        "schedule": timedelta(hours=1),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Reminders (portal/notifications) -------------------------------------------------------
# Each kind of reminder is registered by the app that owns it (AppConfig.ready): see
# portal/notifications/registry.py.
# How far ahead reminders are planned; beat tops the horizon up every hour.
NOTIFICATION_HORIZON_HOURS = env_int("NOTIFICATION_HORIZON_HOURS", 72, minimum=2)
# Due rows claimed per statement; each batch is committed and published before the next.
NOTIFICATION_DISPATCH_BATCH = env_int("NOTIFICATION_DISPATCH_BATCH", 5000, minimum=1)
# In-app rows per send task (e-mails are one task each): fewer broker round trips and
# statements per row (bench/reminders.py measures it).
NOTIFICATION_SEND_CHUNK = env_int("NOTIFICATION_SEND_CHUNK", 500, minimum=1)
# A row claimed this long ago but not sent goes back to pending (a dead worker, a message lost
# without a broker restart). Above CELERY_TASK_TIME_LIMIT, so that an e-mail still being sent
# by a live task is never handed to a second one. Rows queued before the broker last started
# go back at once (portal/notifications/tasks.py: sweep_stuck_notifications).
NOTIFICATION_STUCK_AFTER_SECONDS = env_int(
    "NOTIFICATION_STUCK_AFTER_SECONDS", CELERY_TASK_TIME_LIMIT + 60, minimum=5
)
if NOTIFICATION_STUCK_AFTER_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "NOTIFICATION_STUCK_AFTER_SECONDS must be more than CELERY_TASK_TIME_LIMIT "
        f"({CELERY_TASK_TIME_LIMIT}), not {NOTIFICATION_STUCK_AFTER_SECONDS}."
    )

# --- Logging: no patient data in logs; ids only. ---------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every step of every PDF at INFO: keep only its warnings.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# --- Clinical configuration ------------------------------------------------------------------
# Every clinical number the portal applies, with its source. docs/clinical-rules.md explains
# each one by section (the README's "Clinical rules" too). Change them here or in the environment.
LDN = {
    # Doses above this are outside the LDN band (1-5 mg, Toljan & Vrooman 2018); 6 mg is the
    # portal's cut-off, from the Mayo real-world final doses (0.8-9 mg). [design]
    "LDN_MAX_MG": env_str("LDN_MAX_MG", "6"),
    # 25 mg is the labelled starting dose of standard naltrexone, a different product.
    "STANDARD_DOSE_MG": env_str("LDN_STANDARD_DOSE_MG", "25"),
    # Opioid-free days before starting: label 7-10 days, consumer monograph 10 days.
    "OPIOID_WASHOUT_DAYS": env_int("LDN_OPIOID_WASHOUT_DAYS", 10, minimum=0),
    # Methadone and buprenorphine: precipitated withdrawal possible for up to 2 weeks.
    "MAINTENANCE_OPIOID_WASHOUT_DAYS": env_int("LDN_MAINTENANCE_WASHOUT_DAYS", 14, minimum=0),
    # A ceiling an administrator allows above LDN_MAX_MG, in mg as text, or None for none.
    # [design] FINAL (Bruun 2024) dosed 6 mg; Mayo real-world final doses reached 9 mg.
    "ALLOWED_CEILING_MG": None,
    # Days without a moderate or worse side effect before a step up, for new protocols.
    # [design]; Kresser (not a clinician): wait until side effects pass plus 3-5 days.
    "DEFAULT_TOLERANCE_WINDOW_DAYS": 7,
    # A regimen's start date may be this many days back (entered late) or ahead. [design]
    "START_MAX_DAYS_BACK": 30,
    "START_MAX_DAYS_AHEAD": 365,
    # A provider's hold moves the next step at most this many days ahead. [design]
    "HOLD_MAX_DAYS": 90,
    # After a break of up to this many days, resume the old dose; after a longer one,
    # re-titrate from the protocol's start (LDN Research Trust, Dickson;
    # docs/clinical-rules.md §2.8).
    "RESUME_SAME_DOSE_MAX_BREAK_DAYS": env_int(
        "LDN_RESUME_SAME_DOSE_MAX_BREAK_DAYS", 14, minimum=0
    ),
    # The last LDN dose before a planned procedure is at least this many days before it:
    # LDN Research Trust, 2 days (Dickson) to 3 days (Moser); the portal takes the longer
    # (docs/clinical-rules.md §2.8).
    "STOP_BEFORE_PROCEDURE_DAYS": env_int("LDN_STOP_BEFORE_PROCEDURE_DAYS", 3, minimum=1),
    # A planned procedure is recorded at most this far ahead, a short opioid course lasts at
    # most this long. [design] (docs/clinical-rules.md §2.8)
    "PLAN_MAX_DAYS_AHEAD": 365,
    "OPIOID_COURSE_MAX_DAYS": 30,
    # A step up needs the current dose taken on at least this share of the days with a
    # dose-log answer since the step began (days without an answer are not counted).
    # [design]: a step up assumes the current dose was taken and tolerated (§3.7).
    "STEP_UP_MIN_TAKEN_SHARE": env_decimal(
        "LDN_STEP_UP_MIN_TAKEN_SHARE", "0.8", minimum="0", maximum="1"
    ),
    # --- Symptom diary, trends and flags (patients/rules/) -----------
    # A diary entry can be written or changed until this many days after its day (its day
    # plus 3 more): recall fades quickly, and daily items have a 24-hour recall
    # (docs/clinical-rules.md §4.4). [design]
    "DIARY_EDIT_DAYS": 3,
    # PGIC is asked every 4 weeks of a regimen, as at the FINAL trial's weeks 4, 8 and 12
    # (docs/clinical-rules.md §4.7).
    "PGIC_INTERVAL_DAYS": 28,
    # Trends: the baseline is the mean of the days with a score in the 14 days before the
    # regimen started, compared with the last 14 days. Younger's trials averaged a 2-week
    # baseline (docs/clinical-rules.md §7.1). A comparison needs at least 7 scored days
    # before the regimen and 7 on LDN, half of each window: fewer, and a week's ups and downs
    # read as a change (docs/clinical-rules.md §7.1). [design]
    "TRENDS_BASELINE_DAYS": 14,
    "TRENDS_RECENT_DAYS": 14,
    "TRENDS_MIN_BASELINE_DAYS": env_int("LDN_TRENDS_MIN_BASELINE_DAYS", 7, minimum=1),
    "TRENDS_MIN_LDN_DAYS": env_int("LDN_TRENDS_MIN_LDN_DAYS", 7, minimum=1),
    # A fall in pain of 30% or 2 points on the 0-10 NRS is clinically important
    # (Farrar 2001, https://pubmed.ncbi.nlm.nih.gov/11690728/; docs/clinical-rules.md §7.3).
    "RESPONDER_PAIN_FALL_PERCENT": 30,
    "RESPONDER_PAIN_FALL_POINTS": 2,
    # Flags (docs/clinical-rules.md §6.1). Side effects are rated none (0), mild (1), moderate
    # (2), severe (3). [design] An item at 7/10 or more reads as severe; one at 4/10 or more
    # lasting 3-5 days after a step up reads as moderate for more than 3 days (the short end).
    "FLAG_SEVERE_SIDE_EFFECT": 3,
    "FLAG_LASTING_SIDE_EFFECT": 2,
    "FLAG_LASTING_DAYS": 3,
    # [design] (docs/clinical-rules.md §6.1): hyperthyroid symptoms in a thyroid patient suggest
    # thyroid tests; moderate or worse palpitations, tremor, heat intolerance or anxiety raise it.
    "FLAG_THYROID_SYMPTOM": 2,
    # No diary entry for this many full days (today not counted), for patients on an active
    # regimen or who kept a diary before. [design]
    "FLAG_SILENT_DIARY_DAYS": 7,
    # This many missed doses (the dose log's "missed") within this many days. [design]
    "FLAG_MISSED_DOSES": 3,
    "FLAG_MISSED_DOSES_WINDOW_DAYS": 7,
    # Diary days the flag rules look back over (at least the edit window). [design]
    "FLAG_LOOKBACK_DAYS": 14,
    # --- Supply and refills (regimens/supply.py) ---------------------------------------------
    # The run-out reminder goes out this many days before the supply runs out: compounding
    # pharmacies need days to make LDN and the post days more (docs/clinical-rules.md §8.3).
    # [design]
    "SUPPLY_REMINDER_DAYS": env_int("LDN_SUPPLY_REMINDER_DAYS", 10, minimum=1),
    # A refill covers the days to the next check-in, or this many days when none is booked
    # after the run-out day (docs/clinical-rules.md §8.3). [design]
    "SUPPLY_REFILL_DAYS": env_int("LDN_SUPPLY_REFILL_DAYS", 30, minimum=1),
}

# Invitation links stay valid this many days.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7, minimum=1)

# --- Education library ------------------------------------------------------------------------
# Published articles whose last clinical review is this many months old are listed as due.
CONTENT_REVIEW_MONTHS = env_int("CONTENT_REVIEW_MONTHS", 12, minimum=1)
