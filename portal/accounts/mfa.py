"""The portal's MFA policy: which roles must enrol a second factor."""

from allauth.mfa.models import Authenticator
from django.conf import settings

# A recovery code alone is a fallback, not an enrolled factor.
_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def mfa_required(user) -> bool:
    return user.is_authenticated and user.role in settings.MFA_REQUIRED_ROLES


def mfa_enrolled(user) -> bool:
    return Authenticator.objects.filter(user=user, type__in=_FACTORS).exists()
