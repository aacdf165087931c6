"""Production settings: no default secrets, HTTPS everywhere, PostgreSQL and Redis expected."""

import os

from django.core.exceptions import ImproperlyConfigured

from portal.settings.env import env_bool, env_int, env_list, env_required
from portal.settings.keys import checked_rsa_private_key, checked_rsa_private_keys

for _name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "OIDC_RSA_PRIVATE_KEY"):
    env_required(_name)

from portal.settings.base import *  # noqa: E402, F403
from portal.settings.base import DATABASES, MIDDLEWARE, OAUTH2_PROVIDER  # noqa: E402

SECRET_KEY = env_required("SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 50 characters.")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])

# Keep database connections open between requests: connecting to PostgreSQL costs a few
# milliseconds per request, more than a cheap page. A connection that has gone away (a
# restart, a failover) is noticed before a request uses it. Behind PgBouncer in transaction
# pooling mode this can stay on (see "Deploying on many machines" in the README).
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 600, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction pooling mode a cursor cannot outlive its transaction, so
# QuerySet.iterator() must fetch in chunks instead of through a server-side cursor.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", False
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "messages": STORAGES["messages"],  # noqa: F405 (from base: set MESSAGE_ATTACHMENT_DIR)
}
MIDDLEWARE = list(MIDDLEWARE)

if os.environ.get("EMAIL_BACKEND", "").endswith("console.EmailBackend"):
    raise ImproperlyConfigured("Production must not print e-mail to the console.")

# Apps are registered with https redirect URIs only in production (the suite's test apps
# call back to http://127.0.0.1).
# The id_token signing key comes from the environment (PEM, RSA, 2048 bits or more): never the
# development key kept in VAR_DIR.
OAUTH2_PROVIDER = {
    **OAUTH2_PROVIDER,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "OIDC_RSA_PRIVATE_KEY": checked_rsa_private_key(env_required("OIDC_RSA_PRIVATE_KEY")),
    # Earlier keys, still published in the JWKS (never used to sign) until the id_tokens
    # they signed have expired: PEM blocks one after another.
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": checked_rsa_private_keys(
        os.environ.get("OIDC_RSA_PRIVATE_KEYS_INACTIVE", ""), "OIDC_RSA_PRIVATE_KEYS_INACTIVE"
    ),
}
