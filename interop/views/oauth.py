"""SMART App Launch on django-oauth-toolkit: the consent page (who asks for what), the token
answer with the patient in context, and the connected apps a person can revoke."""

import hashlib
import json
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.views import AuthorizationView, TokenView

from interop.services import connected_app_revoke
from patients.models import Patient
from portal.accounts.models import Role

SMART_ROLES = (Role.PATIENT, Role.PROVIDER)


class ConsentView(AuthorizationView):
    """The authorization endpoint: patients and providers see which app asks for which parts
    of the record, and allow or refuse. Admins cannot hand the record to an app."""

    template_name = "interop/consent.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role not in SMART_ROLES:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        # An app that is not registered (a tampered or stale form) is refused on the page,
        # as the GET is; the toolkit itself would fail looking it up.
        client_id = form.cleaned_data.get("client_id")
        if not get_application_model().objects.filter(client_id=client_id).exists():
            error = {
                "error": "invalid_client",
                "description": _("This app is not registered with the portal."),
            }
            context = self.get_context_data(form=form, error=error)
            return self.render_to_response(context, status=400)
        return super().form_valid(form)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        redirect_uri = context.get("redirect_uri") or ""
        parts = urlsplit(redirect_uri)
        if parts.scheme in ("http", "https") and parts.netloc:
            # The form's answer is a redirect to the app: let the browser follow it.
            response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
        return response


class SmartTokenView(TokenView):
    """The token endpoint, answering with the patient in context for `launch/patient`."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        body = json.loads(response.content)
        scopes = body.get("scope", "").split()
        token = (
            get_access_token_model()
            .objects.select_related("user")
            .filter(token_checksum=_checksum(body.get("access_token", "")))
            .first()
        )
        if token and token.user and "launch/patient" in scopes:
            patient = Patient.objects.filter(user=token.user).values_list("pk", flat=True).first()
            if patient:
                body["patient"] = str(patient)
                body["need_patient_banner"] = True
        response.content = json.dumps(body)
        response["Content-Length"] = str(len(response.content))
        return response


def _checksum(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@login_required
@require_POST
def connected_app_revoke_view(request, app_pk):
    name = connected_app_revoke(user=request.user, application_id=app_pk)
    if name is None:
        messages.error(request, _("That app is not connected to your account."))
    else:
        messages.success(request, _("%(app)s can no longer read your record.") % {"app": name})
    return redirect("account")
