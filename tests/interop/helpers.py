"""Registered apps and tokens for the FHIR API tests."""

import secrets
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

REDIRECT_URI = "http://127.0.0.1:9/callback"


def app_register(name="Health Diary App"):
    return Application.objects.create(
        name=name,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        algorithm="",
    )


def token_for(user, *, app=None, scope="launch/patient patient/*.read", expires_in=3600):
    raw = secrets.token_urlsafe(30)
    AccessToken.objects.create(
        user=user,
        application=app or app_register(),
        token=raw,
        scope=scope,
        expires=timezone.now() + timedelta(seconds=expires_in),
    )
    return raw


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
