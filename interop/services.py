"""Writes: a person revokes a connected app."""

from django.db import transaction
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)


@transaction.atomic
def connected_app_revoke(*, user, application_id) -> str | None:
    """Revoke every token and grant `user` gave the app; its name, or None when the app holds
    nothing of theirs."""
    application = get_application_model().objects.filter(pk=application_id).first()
    if application is None:
        return None
    tokens = get_access_token_model().objects.filter(user=user, application=application)
    refresh = get_refresh_token_model().objects.filter(user=user, application=application)
    grants = get_grant_model().objects.filter(user=user, application=application)
    if not (tokens.exists() or refresh.filter(revoked__isnull=True).exists()):
        return None
    for token in refresh.filter(revoked__isnull=True):
        token.revoke()
    tokens.delete()
    grants.delete()
    return application.name
