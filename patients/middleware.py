from django.shortcuts import redirect

from patients.models import Patient
from portal.accounts.models import Role


class RequireOnboardingMiddleware:
    """A patient who has not finished onboarding is taken back to it from any other page."""

    # The language switch and the installable app's files (manifest, service worker, offline
    # page) work before onboarding too; the offline entries wait until it is done.
    ALLOWED_PREFIXES = (
        "/onboarding/",
        "/accounts/",
        "/invitations/",
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
            user.is_authenticated
            and user.role == Role.PATIENT
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and _not_onboarded(user)
        ):
            return redirect("onboarding")
        return self.get_response(request)


def _not_onboarded(user) -> bool:
    """Reads the patient through the user (`user.patient`), so that the page's own lookup of
    the patient (patients.selectors.records.own_patient) costs no second query."""
    try:
        return user.patient.onboarded_at is None
    except Patient.DoesNotExist:
        return False
