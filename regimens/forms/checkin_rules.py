"""A regimen's standing check-in rule: days after each step, time of day, kind."""

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.models import CheckIn
from portal.lib.widgets import TimeInput


def _time_field(label):
    return forms.TimeField(
        label=label,
        widget=TimeInput(),
        error_messages={
            "required": _("Enter the time."),
            "invalid": _("Enter a time as hours and minutes, e.g. 10:30."),
        },
    )


class CheckInRuleForm(forms.Form):
    days_after_step = forms.IntegerField(
        label=_("Days after each step"),
        min_value=1,
        max_value=365,
        error_messages={
            "required": _("Enter how many days after each step, e.g. 14."),
            "invalid": _("Enter a whole number of days, e.g. 14."),
            "min_value": _("Enter 1 day or more."),
            "max_value": _("Enter at most 365 days."),
        },
    )
    at_time = _time_field(_("Time of day"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=CheckIn.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pick video, phone, in person or diary review.")},
    )
    active = forms.BooleanField(
        label=_("Book check-ins with this rule"),
        required=False,
        help_text=_("Untick to stop booking new ones; booked check-ins stay."),
    )

    def __init__(self, data=None, *, zone: str, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["at_time"].help_text = _(
            "In your time zone, %(zone)s. The check-ins are booked with you."
        ) % {"zone": zone}
