"""Form fields the regimen forms share: a dose in mg, a protocol choice that shows its steps,
and the explicit decision a dose above the protocol's ceiling needs."""

from datetime import date
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.lib.fields import ModelChoiceField
from portal.lib.formats import mg
from regimens import titration
from regimens.models import Protocol
from regimens.services._shared import opioid_block_message

OVERRIDE_NEEDED = _(
    "An opioid stands in the way (see the washout dates below): tick this box and write the "
    "reason, or wait until the washout ends."
)


def dose_text(value: Decimal | None) -> str | None:
    """A suggested dose as people type it: "2", not "2.000"."""
    return mg(value) if value is not None else None


class DoseField(forms.DecimalField):
    """A dose in mg: up to 3 decimals; range and measurability are checked by check_dose."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Dose (mg)"))
        super().__init__(
            max_digits=6,
            decimal_places=3,
            error_messages={
                "required": _("Enter the dose in mg, e.g. 1.5."),
                "invalid": _("Enter the dose as a number of mg, e.g. 1.5."),
                "max_decimal_places": _("Enter the dose with at most 3 decimals, e.g. 0.125."),
                "max_digits": _("That is far above any LDN dose: LDN doses are a few mg."),
                "max_whole_digits": _("That is far above any LDN dose: LDN doses are a few mg."),
            },
            **kwargs,
        )


class ProtocolChoiceField(ModelChoiceField):
    def label_from_instance(self, protocol: Protocol) -> str:
        doses = " → ".join(
            mg(dose)
            for dose, _day_on in titration.plan_steps(
                rules=protocol.rules(), start_mg=protocol.start_mg, start_on=date.min
            )
        )
        return _("%(name)s: %(doses)s mg, every %(days)d days") % {
            "name": protocol.name,
            "doses": doses,
            "days": protocol.interval_days,
        }


class OpioidOverrideMixin:
    """The provider's override when an opioid stands in the way of starting or resuming LDN:
    a tick and a written reason (docs/clinical-rules.md §2.6). `blocking` holds the opioids
    (patients.selectors.medications.opioid_block); nothing is added when it is empty."""

    override_label = _("Go ahead despite the opioid, with the reason below")
    override_reason_missing = _("Write why LDN goes ahead despite the opioid.")

    def _add_opioid_override_fields(self, blocking) -> None:
        self.blocking = list(blocking)
        if not self.blocking:
            return
        self.fields["opioid_override"] = forms.BooleanField(
            label=self.override_label, required=False
        )
        self.fields["opioid_override_reason"] = forms.CharField(
            label=_("Reason for the override"),
            required=False,
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=opioid_block_message(self.blocking),
        )

    def _clean_opioid_override(self, cleaned: dict) -> None:
        if not self.blocking:
            return
        if not cleaned.get("opioid_override"):
            self.add_error("opioid_override", OVERRIDE_NEEDED)
        elif not cleaned.get("opioid_override_reason", "").strip():
            self.add_error("opioid_override_reason", self.override_reason_missing)

    def opioid_override_reason(self) -> str:
        data = self.cleaned_data
        if self.blocking and data.get("opioid_override"):
            return data.get("opioid_override_reason", "").strip()
        return ""


class AboveCeilingMixin:
    """The explicit provider decision a dose above the protocol's ceiling needs."""

    def _add_above_ceiling_fields(self):
        self.fields["above_ceiling"] = forms.BooleanField(
            label=_("I decide to go above the protocol ceiling"), required=False
        )
        self.fields["above_ceiling_reason"] = forms.CharField(
            label=_("Why go above the ceiling"),
            max_length=500,
            required=False,
            help_text=_("Needed only with the box above ticked."),
        )

    def above_ceiling_reason(self) -> str:
        data = self.cleaned_data
        if not data.get("above_ceiling"):
            return ""
        reason = data.get("above_ceiling_reason", "").strip()
        if not reason:
            self.add_error(
                "above_ceiling_reason",
                _("Write why you decide to go above the ceiling, or untick the box."),
            )
        return reason
