"""Starting a regimen from a protocol version: the protocol, the formulation, the dose time,
the start date and, when an opioid stands in the way, the provider's written override."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.lib.fields import DateField
from portal.lib.formats import day
from portal.lib.widgets import DateInput
from regimens import safety
from regimens.forms.fields import (
    AboveCeilingMixin,
    DoseField,
    OpioidOverrideMixin,
    ProtocolChoiceField,
)
from regimens.models import DoseTime, Protocol, Regimen
from regimens.selectors.regimens import startable_protocols


class StartRegimenForm(OpioidOverrideMixin, AboveCeilingMixin, forms.Form):
    override_label = _("Start despite the opioid, with the reason below")
    override_reason_missing = _("Write why LDN starts despite the opioid.")

    protocol = ProtocolChoiceField(
        label=_("Protocol"),
        queryset=Protocol.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Pick the protocol to follow.")},
    )
    form = forms.ChoiceField(
        label=_("Formulation"),
        choices=Regimen.Form.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pick capsules, liquid or drops.")},
    )
    capsule_strengths = forms.CharField(
        label=_("Capsule strengths (mg)"),
        required=False,
        max_length=60,
        help_text=_("For capsules: the strengths the pharmacy makes, e.g. 1.5, 4.5."),
    )
    concentration_mg_per_ml = DoseField(
        label=_("Concentration (mg per mL)"),
        required=False,
        help_text=_("For a liquid, e.g. 1. Doses are measured in 0.1 mL steps."),
    )
    mg_per_drop = DoseField(
        label=_("Naltrexone in each drop (mg)"),
        required=False,
        help_text=_("For sublingual drops, e.g. 0.5."),
    )
    dose_time = forms.ChoiceField(
        label=_("Dose time"),
        choices=DoseTime.choices,
        initial=DoseTime.BEDTIME,
        widget=forms.RadioSelect,
        help_text=_("Bedtime is usual; morning dosing can help with sleep trouble."),
    )
    start_on = DateField(
        label=_("Start date"),
        widget=DateInput(),
        error_messages={
            "required": _("Enter the first day of the first dose."),
            "invalid": _("Enter the start date as a date, e.g. 2026-03-01."),
        },
    )
    start_mg = DoseField(
        label=_("Start dose (mg)"),
        required=False,
        help_text=_("Leave it empty to start at the protocol's start dose."),
    )

    def __init__(self, data=None, *, today: date, blocking=(), **kwargs):
        self.today = today
        kwargs.setdefault("initial", {"start_on": today, "dose_time": DoseTime.BEDTIME})
        super().__init__(data, **kwargs)
        self.fields["protocol"].queryset = startable_protocols()
        self._add_above_ceiling_fields()
        self._add_opioid_override_fields(blocking)

    def clean_capsule_strengths(self) -> tuple[Decimal, ...]:
        raw = self.cleaned_data["capsule_strengths"].replace(";", ",")
        try:
            strengths = tuple(Decimal(part.strip()) for part in raw.split(",") if part.strip())
        except InvalidOperation:
            raise forms.ValidationError(
                _("Enter the strengths in mg separated by commas, e.g. 1.5, 4.5.")
            ) from None
        if any(
            not s.is_finite() or s <= 0 or s >= 25 or -s.as_tuple().exponent > 3 for s in strengths
        ):
            raise forms.ValidationError(
                _("Each strength is a number of mg above 0 and below 25, e.g. 1.5, 4.5.")
            )
        return strengths

    def clean_start_on(self) -> date:
        start = self.cleaned_data["start_on"]
        back, ahead = settings.LDN["START_MAX_DAYS_BACK"], settings.LDN["START_MAX_DAYS_AHEAD"]
        earliest = self.today - timedelta(days=back)
        latest = self.today + timedelta(days=ahead)
        if not earliest <= start <= latest:
            raise forms.ValidationError(
                _(
                    "Pick a start date from %(earliest)s (%(back)d days back) to %(latest)s "
                    "(a year ahead)."
                )
                % {"earliest": day(earliest), "back": back, "latest": day(latest)}
            )
        return start

    def formulation(self) -> safety.Formulation:
        data = self.cleaned_data
        kind = data.get("form")
        return safety.Formulation(
            kind=kind,
            capsule_strengths_mg=data.get("capsule_strengths") or () if kind == "capsule" else (),
            concentration_mg_per_ml=data.get("concentration_mg_per_ml")
            if kind == "liquid"
            else None,
            mg_per_drop=data.get("mg_per_drop") if kind == "drops" else None,
        )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("form")
        if kind and not any(f in self.errors for f in self._FORM_FIELDS.values()):
            problem = safety.formulation_problem(self.formulation())
            if problem:
                self.add_error(self._FORM_FIELDS[kind], problem)
        cleaned["above_ceiling_reason"] = self.above_ceiling_reason()
        self._clean_opioid_override(cleaned)
        return cleaned

    _FORM_FIELDS = {
        "capsule": "capsule_strengths",
        "liquid": "concentration_mg_per_ml",
        "drops": "mg_per_drop",
    }

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "protocol": data["protocol"],
            "formulation": self.formulation(),
            "dose_time": data["dose_time"],
            "start_on": data["start_on"],
            "start_mg": data.get("start_mg"),
            "above_ceiling_reason": data["above_ceiling_reason"],
            "opioid_override_reason": self.opioid_override_reason(),
        }
