from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Public sign-up is closed: admins create users and providers invite patients."""

    def is_open_for_signup(self, request):
        return False

    def get_login_redirect_url(self, request):
        return reverse("home")

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth keys the per-account limit by the request's host as well; any port after an
        # allowed host name is accepted, so each `Host: 127.0.0.1:<n>` would count afresh.
        # One account, one count, whichever address or process a request reaches.
        login = credentials.get("email", credentials.get("username", ""))
        return f"login:{login.strip().lower()}"

    def get_client_ip(self, request):
        """The client's address for the per-address limits: through TRUSTED_PROXY_COUNT
        proxies' X-Forwarded-For. A request carrying fewer addresses than there are proxies
        did not come through them, so its own connection's address counts (allauth would
        answer 500)."""
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            return request.META["REMOTE_ADDR"]
