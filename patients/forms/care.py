"""Caregivers: the invitation (an address and what the caregiver may do) and the change of a
caregiver's permissions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.models import CaregiverGrant
from patients.services.care import NO_PERMISSION
from portal.accounts.forms import INVITEE_EMAIL_ERRORS

PERMISSION_HELP = {
    CaregiverGrant.Permission.PLAN: _("Tonight's dose, the titration plan and its history."),
    CaregiverGrant.Permission.DIARY: _(
        "Mark doses as taken, skipped or missed, write the symptom diary and report side "
        "effects. Each entry shows it was theirs."
    ),
    CaregiverGrant.Permission.MESSAGES: _(
        "Read your messages with the care team and send messages as themselves."
    ),
    CaregiverGrant.Permission.TRENDS: _("The charts of your diary over weeks and months."),
}


class PermissionsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(
            choices=CaregiverGrant.Permission.choices,
            label=_("What they may do"),
            help_text=_("They see nothing else of your record: not your medications or profile."),
            error_messages={"required": NO_PERMISSION},
            **kwargs,
        )


REMINDER_CHOICES = [
    ("dose", _("Tonight's dose")),
    ("diary", _("The evening diary reminder")),
]


class CaregiverPermissionsForm(forms.Form):
    permissions = PermissionsField()
    reminders = forms.MultipleChoiceField(
        choices=REMINDER_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Reminders they get too"),
        help_text=_(
            "At their own diary reminder time and in their own time zone; the dose reminder "
            "comes at your dose time. Only for what they may do."
        ),
    )


class CaregiverInviteForm(CaregiverPermissionsForm):
    email = forms.EmailField(
        label=_("The caregiver's e-mail address"),
        max_length=254,
        help_text=_(
            "We send them a link to make their own login. It cannot be a care-team address "
            "or yours."
        ),
        error_messages=INVITEE_EMAIL_ERRORS,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    field_order = ["email", "permissions"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()
