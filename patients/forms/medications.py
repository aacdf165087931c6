"""Adding, correcting and stopping a medication (the patient's and the care team's pages)."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.models import Medication
from patients.services.medications import NO_NAME
from portal.lib.fields import DateField
from portal.lib.formats import day
from portal.lib.widgets import DateInput


class MedicationForm(forms.Form):
    """Add a medication or correct one on the list."""

    name = forms.CharField(
        label=_("Medication name"),
        max_length=200,
        help_text=_("As it is written on the box or prescription, e.g. “Percocet 5/325”."),
        error_messages={
            "required": NO_NAME,
            "max_length": _("Keep the name to 200 characters or fewer."),
        },
    )
    dose_text = forms.CharField(
        label=_("Dose and how often"),
        max_length=200,
        required=False,
        help_text=_("Optional, e.g. “1 tablet twice a day”."),
    )
    started_on = DateField(
        label=_("Started"),
        widget=DateInput(),
        required=False,
        help_text=_("Optional. Leave it empty if you are not sure."),
        error_messages={"invalid": _("Enter the start date as a date, e.g. 2026-01-31.")},
    )

    def __init__(self, data=None, *, today: date, medication: Medication | None = None, **kw):
        self.today = today
        self.medication = medication
        if medication is not None:
            kw.setdefault(
                "initial",
                {
                    "name": medication.name,
                    "dose_text": medication.dose_text,
                    "started_on": medication.started_on,
                },
            )
        super().__init__(data, **kw)

    def clean_started_on(self) -> date | None:
        started = self.cleaned_data["started_on"]
        if started is None:
            return None
        if started > self.today:
            raise forms.ValidationError(
                _("The start date cannot be in the future: enter %(today)s or earlier.")
                % {"today": day(self.today)}
            )
        stopped = self.medication.stopped_on if self.medication else None
        if stopped and started > stopped:
            raise forms.ValidationError(
                _("The start date cannot be after the stop date, %(date)s.")
                % {"date": day(stopped)}
            )
        return started


class MedicationStopForm(forms.Form):
    stopped_on = DateField(
        label=_("Stopped on"),
        widget=DateInput(),
        error_messages={
            "required": _("Enter the date you stopped taking it."),
            "invalid": _("Enter the stop date as a date, e.g. 2026-01-31."),
        },
    )

    def __init__(self, data=None, *, today: date, medication: Medication, **kwargs):
        self.today = today
        self.medication = medication
        kwargs.setdefault("initial", {"stopped_on": medication.stopped_on or today})
        super().__init__(data, **kwargs)

    def clean_stopped_on(self) -> date:
        stopped = self.cleaned_data["stopped_on"]
        if stopped > self.today:
            raise forms.ValidationError(
                _("The stop date cannot be in the future: enter %(today)s or earlier.")
                % {"today": day(self.today)}
            )
        started = self.medication.started_on
        if started and stopped < started:
            raise forms.ValidationError(
                _("The stop date cannot be before the start date, %(date)s.")
                % {"date": day(started)}
            )
        return stopped
