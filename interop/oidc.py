"""OpenID Connect for SMART apps: the id_token a token request with `openid` receives.

Its `fhirUser` claim (with the `fhirUser` scope) is the absolute URL of the signed-in
patient's FHIR resource, `<site>/fhir/Patient/<id>`; `name` comes with `profile` or
`fhirUser`. Every id_token is signed with the portal's RSA key (RS256), whose public half
is the JWKS at /oauth/.well-known/jwks.json, whatever algorithm the app was registered with."""

from django.conf import settings
from oauth2_provider.models import AbstractApplication
from oauth2_provider.oauth2_validators import OAuth2Validator

from patients.models import Patient

RS256 = AbstractApplication.RS256_ALGORITHM


def fhir_user_url(user) -> str | None:
    """The FHIR URL of the person behind a token: their Patient resource (providers,
    admins and caregivers have none in this API)."""
    if user is None or not getattr(user, "is_patient", False):
        return None
    pk = Patient.objects.filter(user=user).values_list("pk", flat=True).first()
    if pk is None:
        return None
    return f"{settings.SITE_URL}/fhir/Patient/{pk}"


class SmartValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "fhirUser": "fhirUser",
        "name": "fhirUser",
    }

    # A deactivated account's tokens read nothing, /oauth/userinfo/ included (the FHIR API
    # refuses them too, interop.selectors.caller_for).
    def validate_bearer_token(self, token, scopes, request):
        valid = super().validate_bearer_token(token, scopes, request)
        return valid and bool(getattr(request.user, "is_active", False))

    # The id_token names the issuer smart-configuration publishes (SITE_URL), whatever host
    # name of ALLOWED_HOSTS the token request came in by.
    def get_oidc_issuer_endpoint(self, request):
        return f"{settings.SITE_URL}/oauth"

    def get_additional_claims(self, request):
        claims = {}
        url = fhir_user_url(request.user)
        if url:
            claims["fhirUser"] = url
        name = (request.user.name or "").strip()
        if name:
            claims["name"] = name
        return claims

    # An app registered without a signing algorithm (or with HS256) still gets an RS256
    # id_token, never an error halfway through the token answer: only the copy of the app
    # this request loaded changes, both when the token is signed and when it is read back.
    def finalize_id_token(self, id_token, token, token_handler, request):
        _sign_with_rsa(request.client)
        return super().finalize_id_token(id_token, token, token_handler, request)

    def _get_client_by_audience(self, audience):
        application = super()._get_client_by_audience(audience)
        if application is not None:
            _sign_with_rsa(application)
        return application


def _sign_with_rsa(application) -> None:
    application.algorithm = RS256
