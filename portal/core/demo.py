"""Demo data for trying the portal. Only `manage.py seed_demo` calls this; never production."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP

from portal.accounts.models import Role, User
from portal.accounts.services import user_create

# A fixed base32 secret so the demo provider and admin can also use an authenticator app.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (demo only)

DEMO_USERS = (
    ("admin@example.com", Role.ADMIN, "Alex Admin", "Europe/London"),
    ("provider@example.com", Role.PROVIDER, "Dr Priya Shah", "America/New_York"),
    ("patient@example.com", Role.PATIENT, "Pat Morgan", "America/New_York"),
)


@dataclass
class DemoLogin:
    email: str
    role: str
    recovery_codes: list[str]


def demo_user(*, email: str, role: str, name: str, timezone: str, password: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(
            email=email,
            role=role,
            name=name,
            timezone=timezone,
            password=password,
            email_verified=True,
        )
    else:
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return user


def demo_mfa(user: User) -> list[str]:
    """Enrol TOTP (with the demo secret) and recovery codes; return the unused codes."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    return RecoveryCodes.activate(user).get_unused_codes()


def seed_accounts(*, password: str) -> list[DemoLogin]:
    logins = []
    for email, role, name, timezone in DEMO_USERS:
        user = demo_user(email=email, role=role, name=name, timezone=timezone, password=password)
        codes = demo_mfa(user) if role in (Role.PROVIDER, Role.ADMIN) else []
        logins.append(DemoLogin(email=email, role=role, recovery_codes=codes))
    return logins
