import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Role, User, validate_timezone


def timezone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class TimezoneField(forms.ChoiceField):
    """A select of IANA time zones; an unknown name gets a message that says what is allowed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Time zone"))
        kwargs.setdefault("help_text", _("Reminders and your diary dates follow this time zone."))
        super().__init__(choices=timezone_choices, **kwargs)

    def validate(self, value):
        super(forms.ChoiceField, self).validate(value)
        validate_timezone(value)


class AccountForm(forms.ModelForm):
    timezone = TimezoneField()

    class Meta:
        model = User
        fields = ["name", "timezone"]
        labels = {"name": _("Your name")}


class UserCreationForm(forms.ModelForm):
    """Used by admins in the Django admin: a new user gets an e-mail to set a password."""

    timezone = TimezoneField(initial="UTC")
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))

    class Meta:
        model = User
        fields = ["email", "name", "role", "timezone"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."))
        return email
