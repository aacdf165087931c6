import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _


@cache
def known_timezones() -> frozenset[str]:
    """The IANA zone names, read from the files on disk once per process."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(
            _("%(value)s is not a time zone we know. Pick one from the list, e.g. Europe/Paris."),
            params={"value": value},
            code="unknown_timezone",
        )


# Honorifics that make a poor greeting on their own ("Hello, Dr").
TITLES = {"Dr", "Prof", "Mr", "Mrs", "Ms", "Mx", "Miss", "Sr", "Nurse"}


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    PROVIDER = "provider", _("Provider")
    ADMIN = "admin", _("Admin")
    CAREGIVER = "caregiver", _("Caregiver")


# The languages a user may choose (settings.LANGUAGES); blank follows the browser.
def language_choices():
    return [("", _("The browser's language")), *settings.LANGUAGES]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(role=Role.ADMIN, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. E-mail is the login; each user has exactly one role."""

    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.PATIENT)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=language_choices,
        help_text=_("The portal's pages, reminders and e-mails use this language."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=django_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_role_valid", condition=models.Q(role__in=Role.values)
            ),
            models.CheckConstraint(
                name="user_superuser_is_admin",
                condition=models.Q(is_superuser=False) | models.Q(role=Role.ADMIN),
            ),
        ]

    def __str__(self):
        return self.name or self.email

    @property
    def is_staff(self) -> bool:
        """Only admins reach the Django admin."""
        return self.role == Role.ADMIN

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_provider(self) -> bool:
        return self.role == Role.PROVIDER

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def message_language(self) -> str:
        """The language of reminders and e-mails to this user: their choice, else the
        portal's default."""
        return self.language or settings.LANGUAGE_CODE

    @property
    def is_caregiver(self) -> bool:
        return self.role == Role.CAREGIVER

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        """The first name for a greeting; the whole name when it starts with a title."""
        if not self.name:
            return self.email
        first = self.name.split()[0]
        return self.name if first.rstrip(".") in TITLES else first

    def has_perm(self, perm, obj=None):
        # Admins manage every model in the Django admin; other roles have no admin rights.
        return self.is_active and self.is_admin

    def has_module_perms(self, app_label):
        return self.is_active and self.is_admin


class Invitation(models.Model):
    """A single-use link that lets a person set a password and join with a role.

    Only a hash of the token is stored; the link in the e-mail carries the token itself.
    """

    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    # The invitation e-mail's language; the new account starts in it.
    language = models.CharField(_("language"), max_length=8, blank=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        constraints = [
            models.CheckConstraint(
                name="invitation_role_is_invitable",
                condition=models.Q(role__in=[Role.PATIENT, Role.PROVIDER, Role.CAREGIVER]),
            ),
            models.CheckConstraint(
                name="invitation_expires_after_creation",
                condition=models.Q(expires_at__gt=models.F("created_at")),
            ),
        ]
        indexes = [models.Index(fields=["email", "accepted_at"])]

    def __str__(self):
        return f"{self.email} ({self.role})"

    def state(self, now) -> str:
        """One of "open", "accepted", "revoked" or "expired" at `now`."""
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "open"
