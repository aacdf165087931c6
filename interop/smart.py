"""Who an API request acts for: its bearer token, the app that holds it and what its scopes
allow (SMART App Launch v1 and v2 scopes: `patient/*.read`, `patient/*.rs`,
`patient/<Type>.read`, `patient/<Type>.rs`)."""

from dataclasses import dataclass

from oauth2_provider.oauth2_backends import get_oauthlib_core


@dataclass(frozen=True)
class Caller:
    user: object
    app_name: str
    scopes: frozenset


def caller_for(request) -> Caller | None:
    """The token's user, app and scopes; None for a missing, expired or revoked token (or one
    whose user has been deactivated)."""
    if not request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer "):
        return None
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    if not valid:
        return None
    token = oauth_request.access_token
    if not token.user.is_active:
        return None
    return Caller(
        user=token.user,
        app_name=token.application.name if token.application else "",
        scopes=frozenset(token.scope.split()),
    )


def may(scopes, resource_type: str, operation: str) -> bool:
    """Whether `scopes` let the app read ("r") or search ("s") resources of this type. A v1
    `.read` scope allows both; a v2 scope allows the letters it names."""
    for scope in scopes:
        context, _, rest = scope.partition("/")
        kind, dot, access = rest.partition(".")
        if context not in ("patient", "user") or not dot or kind not in ("*", resource_type):
            continue
        if access in ("read", "*") or (set(access) <= set("cruds") and operation in access):
            return True
    return False
