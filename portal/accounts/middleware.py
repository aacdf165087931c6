import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from portal.accounts.mfa import mfa_enrolled, mfa_required

_LAST_SEEN = "last_seen"
# The last request's time is written to the session at most once a minute: a request that
# changes nothing else then saves no session (one query fewer on nearly every request). A
# session can therefore be logged out up to this many seconds before its full timeout.
LAST_SEEN_RESOLUTION = 60


class ClearSiteDataOnLogoutMiddleware:
    """Logging out tells the browser to drop this site's storage (the service worker, its
    caches and the entries kept offline in IndexedDB), so nothing of the patient's stays on a
    shared phone; the page's script clears them too (static/js/offline.js). Not "cache":
    Chromium holds the logout's answer while it clears the HTTP cache, for seconds
    (crbug.com/40233601), and pages for a logged-in user are never stored there
    (Cache-Control: no-store, NoStoreForUsersMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method == "POST"
            and request.path == reverse("account_logout")
            and response.status_code in (200, 302)
        ):
            response["Clear-Site-Data"] = '"storage"'
        return response


class UserLanguageMiddleware:
    """A logged-in user's own language (User.language) wins over the cookie and the browser's
    Accept-Language, which LocaleMiddleware has already applied."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if language and language in dict(settings.LANGUAGES):
            request.LANGUAGE_CODE = language
            with translation.override(language):
                response = self.get_response(request)
                # LocaleMiddleware, outside this one, names the response's language.
                response.headers.setdefault("Content-Language", language)
                return response
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Logs out a session that has made no request for its role's idle timeout (to the
    minute: LAST_SEEN_RESOLUTION)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(_LAST_SEEN, now)
            if now - last_seen > self._timeout_seconds(user):
                logout(request)
                messages.info(request, _("You were logged out after a period of inactivity."))
                return redirect(f"{reverse('account_login')}?next={request.path}")
            if now - last_seen >= LAST_SEEN_RESOLUTION or _LAST_SEEN not in request.session:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _timeout_seconds(user) -> int:
        if user.is_patient:
            return settings.SESSION_IDLE_TIMEOUT_PATIENT * 60
        return settings.SESSION_IDLE_TIMEOUT_STAFF * 60


class RequireMFAMiddleware:
    """Providers and admins enrol a second factor before they reach any other page."""

    # Pages a user without MFA may still reach: enrolment itself, logout, static files.
    ALLOWED_PREFIXES = (
        "/accounts/",
        "/static/",
        "/healthz",
        "/i18n/",
        "/manifest.webmanifest",
        "/sw.js",
        "/offline/en/",
        "/offline/es/",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            mfa_required(user)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not mfa_enrolled(user)
        ):
            messages.warning(
                request,
                _("Your role needs two-factor authentication. Set it up to continue."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class NoStoreForUsersMiddleware:
    """Every response to a logged-in person says `Cache-Control: no-store, private`: pages with
    patient data must not stay in a shared computer's browser cache or a proxy's. Static files
    (served by whitenoise before this runs) and pages for anonymous visitors keep their caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
