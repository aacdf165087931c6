import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import Invitation, Role, User
from portal.lib.mail import send_templated_mail

# What other apps do when an account is created (patients: the profile and the inviting
# provider's care team), when someone's time zone changes (notifications: plan the
# reminders again) and when their name or zone changes (regimens: the patient's status row).
# Each app registers its handler in its AppConfig.ready(); accounts knows
# nothing of them.
_ACCOUNT_CREATED: list[Callable[..., None]] = []
_TIMEZONE_CHANGED: list[Callable[..., None]] = []
_ACCOUNT_CHANGED: list[Callable[..., None]] = []
_INVITATION_ACCEPTED: list[Callable[..., None]] = []


def register_account_created(handler: Callable[..., None]) -> None:
    """`handler(*, user, invited_by, now)` runs in the transaction that creates an account."""
    if handler not in _ACCOUNT_CREATED:
        _ACCOUNT_CREATED.append(handler)


def register_invitation_accepted(handler: Callable[..., None]) -> None:
    """`handler(*, invitation, user, now)` runs in the transaction that accepts an invitation,
    after the account exists; it may refuse with ValidationError (nothing is then saved)."""
    if handler not in _INVITATION_ACCEPTED:
        _INVITATION_ACCEPTED.append(handler)


def register_timezone_changed(handler: Callable[..., None]) -> None:
    """`handler(user)` runs when a user's time zone changes."""
    if handler not in _TIMEZONE_CHANGED:
        _TIMEZONE_CHANGED.append(handler)


def register_account_changed(handler: Callable[..., None]) -> None:
    """`handler(user)` runs in the transaction that changes a user's name or time zone."""
    if handler not in _ACCOUNT_CHANGED:
        _ACCOUNT_CHANGED.append(handler)


def timezone_changed(user: User) -> None:
    """Tell the apps that keep local-time schedules that `user` moved time zone."""
    for handler in _TIMEZONE_CHANGED:
        handler(user)


@transaction.atomic
def user_create(
    *,
    email: str,
    role: str,
    name: str = "",
    timezone_name: str = "UTC",
    password: str | None = None,
    language: str = "",
    email_verified: bool = False,
    invited_by: User | None = None,
    now=None,
) -> User:
    """Create a user and their allauth e-mail record.

    Without a password the account cannot log in until the person sets one through the
    password-reset e-mail (admins create users this way) or an invitation.
    """
    user = User.objects.create_user(
        email,
        password,
        role=role,
        name=name,
        timezone=timezone_name,
        language=language,
        is_superuser=role == Role.ADMIN,
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    for handler in _ACCOUNT_CREATED:
        handler(user=user, invited_by=invited_by, now=now or timezone.now())
    return user


@transaction.atomic
def account_update(*, user: User, name: str, timezone_name: str) -> User:
    # Compared with the stored values: a ModelForm may already have set them on `user`.
    stored_name, stored_zone = User.objects.filter(pk=user.pk).values_list(
        "name", "timezone"
    ).first() or ("", "")
    moved = stored_zone != timezone_name
    user.name = name
    user.timezone = timezone_name
    user.save(update_fields=["name", "timezone"])
    if moved:
        timezone_changed(user)
    if moved or stored_name != name:
        for handler in _ACCOUNT_CHANGED:
            handler(user)
    return user


LANGUAGE_UNKNOWN = gettext_lazy("Choose one of the languages in the list.")
INVITATION_UNUSABLE = gettext_lazy("This invitation can no longer be used.")


def account_language_set(*, user: User, language: str) -> User:
    """Keep `language` (one of settings.LANGUAGES, or "" for the browser's) on the account."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": LANGUAGE_UNKNOWN})
    user.language = language
    user.save(update_fields=["language"])
    return user


# Who invites whom: providers invite patients (and caregivers, at a patient's request);
# admins invite providers; patients invite their caregivers.
INVITES = {
    Role.PROVIDER: {Role.PATIENT, Role.CAREGIVER},
    Role.ADMIN: {Role.PROVIDER},
    Role.PATIENT: {Role.CAREGIVER},
}


def _may_invite(inviter: User, role: str) -> bool:
    return role in INVITES.get(inviter.role, ())


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(*, email: str, role: str, invited_by: User, language: str = "", now=None):
    """Invite a person by e-mail. Providers invite patients; admins invite providers.

    Returns the invitation and the raw token (only its hash is stored). The e-mail names
    no one and says nothing about health: just the portal and the link.
    """
    now = now or timezone.now()
    if not _may_invite(invited_by, role):
        raise PermissionDenied
    email = User.objects.normalize_email(email).strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None and role == Role.CAREGIVER:
        # A caregiver may care for several people with one account; anyone else needs an
        # address of their own for the caregiver's login.
        if existing.role != Role.CAREGIVER:
            raise ValidationError(
                {
                    "email": _(
                        "This address belongs to a %(role)s's account. A caregiver needs an "
                        "e-mail address of their own."
                    )
                    % {"role": existing.get_role_display().lower()}
                }
            )
    elif existing is not None:
        raise ValidationError(
            {"email": _("Someone with this e-mail address already has an account.")}
        )
    still_open = Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )
    if role == Role.CAREGIVER:
        # Several patients may invite the same caregiver at once.
        still_open = still_open.filter(invited_by=invited_by, role=Role.CAREGIVER)
    if still_open.filter(invited_by=invited_by).exists():
        raise ValidationError(
            {
                "email": _(
                    "Your invitation to this address is still open. Revoke it in your list of "
                    "invitations to send a new one."
                )
            }
        )
    if still_open.exists():
        # Only its sender can revoke it, so say when a new one becomes possible.
        raise ValidationError(
            {
                "email": _(
                    "Someone else has invited this address and the invitation is still open. "
                    "A new one can be sent once it expires or is revoked."
                )
            }
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        invited_by=invited_by,
        token_hash=_token_hash(token),
        language=language if language in dict(settings.LANGUAGES) else "",
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    link = settings.SITE_URL + reverse("invitation_accept", args=[token])
    context = {"link": link, "valid_days": settings.INVITATION_VALID_DAYS}
    transaction.on_commit(
        lambda: send_templated_mail(
            "emails/invitation", context, [email], language=invitation.language or None
        )
    )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    return Invitation.objects.filter(token_hash=_token_hash(token)).first()


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, now=None) -> Invitation:
    """Withdraw an open invitation; one already accepted, revoked or expired stays as it is.

    A conditional update, not the in-memory fields: the invitation may have been accepted
    since the caller loaded it, and an accepted invitation must never read as revoked.
    """
    now = now or timezone.now()
    Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(revoked_at=now)
    invitation.refresh_from_db(fields=["accepted_at", "accepted_user", "revoked_at"])
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str, name: str, now=None) -> User:
    """Create the invited account; a patient joins the inviting provider's care team (the
    patients app's handler for a new account)."""
    now = now or timezone.now()
    # Lock the row so two submissions of the same link cannot both create an account.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state(now) != "open":
        raise ValidationError(INVITATION_UNUSABLE)
    inviter = invitation.invited_by
    if not inviter.is_active or not _may_invite(inviter, invitation.role):
        # The inviter left or changed role: joining their care team would be wrong.
        raise ValidationError(INVITATION_UNUSABLE)
    user = user_create(
        email=invitation.email,
        role=invitation.role,
        name=name,
        timezone_name=invitation.invited_by.timezone,
        password=password,
        language=invitation.language,
        email_verified=True,
        invited_by=inviter,
        now=now,
    )
    invitation.accepted_at = now
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    for handler in _INVITATION_ACCEPTED:
        handler(invitation=invitation, user=user, now=now)
    return user


@transaction.atomic
def invitation_accept_existing(*, invitation: Invitation, user: User, now=None) -> User:
    """A caregiver who already has an account accepts another patient's invitation while
    logged in as the invited address."""
    now = now or timezone.now()
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state(now) != "open" or invitation.role != Role.CAREGIVER:
        raise ValidationError(INVITATION_UNUSABLE)
    if user.email.lower() != invitation.email.lower() or not user.is_caregiver:
        raise ValidationError(_("This invitation was sent to another address."))
    inviter = invitation.invited_by
    if not inviter.is_active or not _may_invite(inviter, invitation.role):
        raise ValidationError(INVITATION_UNUSABLE)
    invitation.accepted_at = now
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    for handler in _INVITATION_ACCEPTED:
        handler(invitation=invitation, user=user, now=now)
    return user
