"""What the patient reports on the Tonight page: a dose taken, skipped or missed, a request
to hold the next step, and the calendar feed's choice. (A side effect is reported with
patients.forms.side_effects.)"""

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.treatment import DOSE_STATUS_UNKNOWN
from regimens.models import DoseLog


class DoseLogForm(forms.Form):
    status = forms.ChoiceField(
        choices=DoseLog.Status.choices,
        error_messages={"required": DOSE_STATUS_UNKNOWN, "invalid_choice": DOSE_STATUS_UNKNOWN},
    )


class HoldRequestForm(forms.Form):
    prefix = "hold"
    note = forms.CharField(
        label=_("Why (optional)"),
        required=False,
        max_length=500,
        help_text=_("Your care team reads it before they decide."),
        error_messages={"max_length": _("Keep it under 500 characters.")},
    )


class CalendarPreferenceForm(forms.Form):
    include_dose = forms.BooleanField(
        label=_("Include the dose in event titles"),
        required=False,
        help_text=_(
            "Off: events say only “LDN dose change”. On: anyone who sees your calendar also "
            "sees the dose."
        ),
    )
