from allauth.account.models import EmailAddress
from django.db import transaction

from portal.accounts.models import Role, User


@transaction.atomic
def user_create(
    *,
    email: str,
    role: str,
    name: str = "",
    timezone: str = "UTC",
    password: str | None = None,
    email_verified: bool = False,
) -> User:
    """Create a user and their allauth e-mail record.

    Without a password the account cannot log in until the person sets one through the
    password-reset e-mail (admins create users this way) or an invitation.
    """
    user = User.objects.create_user(
        email, password, role=role, name=name, timezone=timezone, is_superuser=role == Role.ADMIN
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    return user


def account_update(*, user: User, name: str, timezone: str) -> User:
    user.name = name
    user.timezone = timezone
    user.save(update_fields=["name", "timezone"])
    return user
