"""Reporting a side effect on a day between diary days: the patient on Tonight, the care team
on the regimen page. The catalogue's items and severities (patients.rules.side_effects)."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.rules import side_effects as catalogue
from portal.lib.fields import DAY_INVALID, DAY_LABEL, NOTE_OPTIONAL_LABEL, DateField
from portal.lib.formats import day
from portal.lib.widgets import DateInput

MAX_REPORT_DAYS_BACK = 30  # [design] side effects are reported while they are remembered


class SideEffectForm(forms.Form):
    prefix = "side_effect"  # unique field ids on pages with several forms
    on = DateField(
        label=DAY_LABEL,
        widget=DateInput(),
        error_messages={
            "required": _("Enter the day it happened."),
            "invalid": DAY_INVALID,
        },
    )
    kind = forms.ChoiceField(
        label=_("Side effect"),
        choices=catalogue.report_choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pick the side effect.")},
    )
    severity = forms.TypedChoiceField(
        label=_("How bad"),
        choices=lambda: [
            (value, f"{label}: {catalogue.SEVERITY_HELP[value]}")
            for value, label in catalogue.severity_choices(with_none=False)
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pick how bad it was.")},
    )
    note = forms.CharField(
        label=NOTE_OPTIONAL_LABEL,
        required=False,
        max_length=300,
        help_text=_("For “Another side effect”, say what it was."),
        error_messages={"max_length": _("Keep the note under 300 characters.")},
    )

    def __init__(self, data=None, *, regimen, today: date, **kwargs):
        self.regimen = regimen
        self.today = today
        kwargs.setdefault("initial", {"on": today})
        super().__init__(data, **kwargs)

    def clean_on(self) -> date:
        reported = self.cleaned_data["on"]
        earliest = max(self.regimen.started_on, self.today - timedelta(days=MAX_REPORT_DAYS_BACK))
        if reported > self.today:
            raise forms.ValidationError(_("The day cannot be in the future."))
        if reported < earliest:
            raise forms.ValidationError(
                _("Pick a day from %(earliest)s (the regimen's start or 30 days back) to today.")
                % {"earliest": day(earliest)}
            )
        return reported

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == catalogue.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", _("You picked “Another side effect”: say what it was."))
        return cleaned
