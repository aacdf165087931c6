"""A regimen's standing check-in rule: days after each step, time of day, kind."""

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.forms.checkins import checkin_kind_field
from portal.lib.fields import time_field
from regimens.services.checkin_rules import TOO_FEW_DAYS


class CheckInRuleForm(forms.Form):
    days_after_step = forms.IntegerField(
        label=_("Days after each step"),
        min_value=1,
        max_value=365,
        error_messages={
            "required": _("Enter how many days after each step, e.g. 14."),
            "invalid": _("Enter a whole number of days, e.g. 14."),
            "min_value": TOO_FEW_DAYS,
            "max_value": _("Enter at most 365 days."),
        },
    )
    at_time = time_field(_("Time of day"))
    kind = checkin_kind_field()
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
