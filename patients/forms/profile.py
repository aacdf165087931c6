"""The patient's profile: onboarding at first login and the profile page."""

import re
from datetime import date

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.models import Condition, Patient
from portal.accounts.forms import TimezoneField
from portal.lib.fields import DateField, ModelMultipleChoiceField
from portal.lib.formats import day
from portal.lib.widgets import DateInput, TimeInput

OTHER_CONDITION_SLUG = "other"
OLDEST_AGE_YEARS = 120
MAX_ONBOARDING_MEDICATIONS = 50
_PHONE_CHARACTERS = re.compile(r"[0-9 +\-().]+")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


class ProfileForm(forms.Form):
    """The patient's profile: who they are, where they live, their conditions and pharmacy."""

    date_of_birth = DateField(
        label=_("Date of birth"),
        widget=DateInput(),
        error_messages={
            "required": _("Enter your date of birth."),
            "invalid": _("Enter your date of birth as a date, e.g. 1980-04-30."),
        },
    )
    timezone = TimezoneField()
    bedtime = forms.TimeField(
        label=_("Usual bedtime"),
        widget=TimeInput(),
        help_text=_("LDN is usually taken at bedtime; your evening reminder follows this time."),
        error_messages={
            "required": _("Enter the time you usually go to bed."),
            "invalid": _("Enter your bedtime as a time of day, e.g. 22:30."),
        },
    )
    conditions = ModelMultipleChoiceField(
        label=_("Conditions you are treated for"),
        queryset=Condition.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick every condition that applies. Leave them all empty if you prefer."),
    )
    other_condition = forms.CharField(
        label=_("Other condition"),
        max_length=200,
        required=False,
        help_text=_("If you ticked “Other”, name the condition here."),
    )
    pharmacy_name = forms.CharField(
        label=_("Compounding pharmacy"),
        max_length=150,
        required=False,
        help_text=_("The pharmacy that makes up your LDN, if you have one yet."),
    )
    pharmacy_phone = forms.CharField(
        label=_("Pharmacy phone"),
        max_length=32,
        required=False,
        help_text=_("For example +1 555 010 0200."),
    )

    def __init__(self, data=None, *, patient: Patient, today: date, **kwargs):
        self.today = today
        kwargs.setdefault("initial", self.initial_for(patient))
        super().__init__(data, **kwargs)
        # Active conditions in catalogue order, plus any retired one the patient still has.
        chosen = [c.pk for c in patient.conditions.all()]
        self.fields["conditions"].queryset = Condition.objects.filter(
            Q(active=True) | Q(pk__in=chosen)
        )

    @staticmethod
    def initial_for(patient: Patient) -> dict:
        return {
            "date_of_birth": patient.date_of_birth,
            "timezone": patient.user.timezone,
            "bedtime": patient.bedtime,
            "conditions": list(patient.conditions.all()),
            "other_condition": patient.other_condition,
            "pharmacy_name": patient.pharmacy_name,
            "pharmacy_phone": patient.pharmacy_phone,
        }

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        if born > self.today:
            raise forms.ValidationError(_("Your date of birth cannot be in the future."))
        oldest = _years_before(self.today, OLDEST_AGE_YEARS)
        if born < oldest:
            raise forms.ValidationError(
                _("Enter a date of birth in the last 120 years: %(date)s or later.")
                % {"date": day(oldest)}
            )
        return born

    def clean_conditions(self) -> list[Condition]:
        return list(self.cleaned_data["conditions"])

    def clean_pharmacy_phone(self) -> str:
        phone = " ".join(self.cleaned_data["pharmacy_phone"].split())
        if not phone:
            return ""
        digits = sum(ch.isdigit() for ch in phone)
        if not _PHONE_CHARACTERS.fullmatch(phone) or not 7 <= digits <= 15:
            raise forms.ValidationError(
                _(
                    "Enter a phone number of 7 to 15 digits. Spaces, +, -, dots and brackets "
                    "are allowed, e.g. +1 555 010 0200."
                )
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        conditions = cleaned.get("conditions")
        if conditions is None:
            return cleaned
        other = next((c for c in conditions if c.slug == OTHER_CONDITION_SLUG), None)
        if other is not None and not cleaned.get("other_condition"):
            self.add_error(
                "other_condition",
                _("You ticked “Other”: name the condition here, or untick “Other”."),
            )
        elif other is None and cleaned.get("other_condition"):
            # Text in the box is an "Other" condition even if the box was not ticked.
            other = self.fields["conditions"].queryset.filter(slug=OTHER_CONDITION_SLUG).first()
            if other is not None:
                cleaned["conditions"] = [*conditions, other]
        return cleaned

    def profile_values(self) -> dict:
        """The keyword arguments profile_update and onboarding_complete take."""
        data = self.cleaned_data
        return {
            "date_of_birth": data["date_of_birth"],
            "timezone_name": data["timezone"],
            "bedtime": data["bedtime"],
            "conditions": data["conditions"],
            "other_condition": data["other_condition"],
            "pharmacy_name": data["pharmacy_name"],
            "pharmacy_phone": data["pharmacy_phone"],
        }


class OnboardingForm(ProfileForm):
    """The first-login form: the profile, the current medications and the acknowledgement."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Nothing chosen yet: the device's own zone is proposed (static/js/timezone.js).
        if not self.is_bound:
            self.fields["timezone"].widget.attrs["data-timezone-propose"] = ""

    medications = forms.CharField(
        label=_("Medications you take now"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_(
            "One per line, with the dose if you like, e.g. “Levothyroxine 50 mcg”. Include "
            "painkillers, cough medicines and supplements. Leave it empty if you take none."
        ),
    )
    acknowledgement = forms.BooleanField(
        label=_(
            "I understand that LDN is prescribed off-label and that this portal's content "
            "does not replace medical advice from my own clinician."
        ),
        error_messages={
            "required": _("Tick this box to confirm you have read and understood it."),
        },
    )

    def clean_medications(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["medications"].splitlines()]
        names = [name for name in names if name]
        too_long = [name for name in names if len(name) > 200]
        if too_long:
            raise forms.ValidationError(
                _("Each line can be up to 200 characters. Shorten: “%(name)s…”.")
                % {"name": too_long[0][:40]}
            )
        if len(names) > MAX_ONBOARDING_MEDICATIONS:
            raise forms.ValidationError(
                _("List up to %(max)d medications here; add more later from your profile.")
                % {"max": MAX_ONBOARDING_MEDICATIONS}
            )
        return names
