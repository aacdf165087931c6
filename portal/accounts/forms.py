from functools import cache

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Role, User, known_timezones, validate_timezone
from portal.accounts.services import LANGUAGE_UNKNOWN
from portal.lib.widgets import LongSelect

# Where most people using the portal live: listed first.
COMMON_TIMEZONES = (
    "Europe/London",
    "Europe/Dublin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Pacific/Auckland",
    "Europe/Paris",
    "Europe/Berlin",
    "UTC",
)
REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
# Old names kept by the time zone database as links to a current one (its "backward" file):
# still accepted, not offered.
ALIASES = frozenset(
    {
        "America/Argentina/ComodRivadavia",
        "America/Atka",
        "America/Buenos_Aires",
        "America/Catamarca",
        "America/Coral_Harbour",
        "America/Cordoba",
        "America/Ensenada",
        "America/Fort_Wayne",
        "America/Godthab",
        "America/Indianapolis",
        "America/Jujuy",
        "America/Knox_IN",
        "America/Louisville",
        "America/Mendoza",
        "America/Montreal",
        "America/Nipigon",
        "America/Pangnirtung",
        "America/Porto_Acre",
        "America/Rainy_River",
        "America/Rosario",
        "America/Santa_Isabel",
        "America/Shiprock",
        "America/Thunder_Bay",
        "America/Virgin",
        "America/Yellowknife",
        "Antarctica/South_Pole",
        "Asia/Ashkhabad",
        "Asia/Calcutta",
        "Asia/Chongqing",
        "Asia/Chungking",
        "Asia/Dacca",
        "Asia/Harbin",
        "Asia/Istanbul",
        "Asia/Kashgar",
        "Asia/Katmandu",
        "Asia/Macao",
        "Asia/Rangoon",
        "Asia/Saigon",
        "Asia/Tel_Aviv",
        "Asia/Thimbu",
        "Asia/Ujung_Pandang",
        "Asia/Ulan_Bator",
        "Atlantic/Faeroe",
        "Atlantic/Jan_Mayen",
        "Australia/ACT",
        "Australia/Canberra",
        "Australia/Currie",
        "Australia/LHI",
        "Australia/NSW",
        "Australia/North",
        "Australia/Queensland",
        "Australia/South",
        "Australia/Tasmania",
        "Australia/Victoria",
        "Australia/West",
        "Australia/Yancowinna",
        "Europe/Belfast",
        "Europe/Kiev",
        "Europe/Nicosia",
        "Europe/Tiraspol",
        "Europe/Uzhgorod",
        "Europe/Zaporozhye",
        "Pacific/Enderbury",
        "Pacific/Johnston",
        "Pacific/Ponape",
        "Pacific/Samoa",
        "Pacific/Truk",
        "Pacific/Yap",
        "Africa/Asmera",
        "Africa/Timbuktu",
    }
)


def _label(name: str) -> str:
    return name.split("/", 1)[-1].replace("_", " ").replace("/", " / ")


@cache
def timezone_choices():
    """The zones people pick from: the common ones first, then one group per region, each
    zone once under its current name (old aliases and Etc/ zones are left out)."""
    available = known_timezones()  # read from disk once per process
    common = [(name, name.replace("_", " ")) for name in COMMON_TIMEZONES if name in available]
    groups = [(_("Common"), common)]
    for region in REGIONS:
        names = sorted(n for n in available if n.startswith(region + "/") and n not in ALIASES)
        groups.append((region, [(name, _label(name)) for name in names]))
    return groups


class TimezoneField(forms.ChoiceField):
    """A select of IANA time zones; an unknown name gets a message that says what is allowed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Time zone"))
        kwargs.setdefault("help_text", _("Reminders and your diary dates follow this time zone."))
        kwargs.setdefault("widget", LongSelect(attrs={"data-timezone": ""}))
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


# The address of someone being invited: the invitation form's and the caregiver invitation's.
INVITEE_EMAIL_ERRORS = {
    "required": _("Enter the e-mail address of the person you are inviting."),
    "invalid": _("Enter a complete e-mail address, such as name@example.org."),
}


class InvitationForm(forms.Form):
    """The address of the person to invite; the role follows the inviter's role."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send the invitation link to this address."),
        error_messages=INVITEE_EMAIL_ERRORS,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=lambda: list(settings.LANGUAGES),
        required=False,
        help_text=_("The e-mail is written in this language, and their account starts in it."),
        error_messages={"invalid_choice": LANGUAGE_UNKNOWN},
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class InvitationAcceptForm(forms.Form):
    """Name and password for the account an invitation creates; the e-mail is fixed."""

    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("You will log in with this address. It is the one the invitation went to."),
        # Read-only rather than disabled: password managers then save it as the login.
        widget=forms.EmailInput(attrs={"autocomplete": "username", "readonly": True}),
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("As you would like your care team to see it."),
        error_messages={
            "required": _("Enter your name."),
            "max_length": _("Your name can be at most %(limit_value)d characters long."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=lazy(password_validation.password_validators_help_text_html, str)(),
        error_messages={"required": _("Choose a password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        help_text=_("Type the same password again, to be sure it is the one you meant."),
        error_messages={"required": _("Type the password a second time.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = email
        self.invited_email = email
        if self.is_bound:
            # Whatever was posted, the account gets the address the invitation went to.
            self.data = self.data.copy()
            self.data["email"] = email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            # A stand-in user, so the similarity check compares with the address and name.
            candidate = User(email=self.invited_email, name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password1, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
