"""Recording a fill from the pharmacy and asking for a refill. What makes a fill impossible
(a quantity of 0, a date in the future, a strength that cannot make the dose) is the
service's rule (regimens.supply.fill_errors), shown next to the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.lib.fields import DATE_INVALID, NOTE_MAX_LENGTH, NOTE_TOO_LONG, DateField
from portal.lib.formats import mg
from portal.lib.widgets import DateInput
from regimens.models import Regimen
from regimens.services.supply import NO_FORM


class FillForm(forms.Form):
    prefix = "fill"

    on = DateField(
        label=_("Date of the fill"),
        widget=DateInput(),
        help_text=_("The day you received it."),
        error_messages={
            "required": _("Enter the day you received it."),
            "invalid": DATE_INVALID,
        },
    )
    form = forms.ChoiceField(
        label=_("Form"),
        choices=Regimen.Form.choices,
        error_messages={"required": NO_FORM},
    )
    strength_mg = forms.DecimalField(
        label=_("Strength (mg)"),
        max_digits=6,
        decimal_places=3,
        help_text=_("mg in each capsule, in each mL of liquid, or in each drop, as on the label."),
        error_messages={
            "required": _("Enter the strength in mg, e.g. 1.5."),
            "invalid": _("Enter the strength as a number of mg, e.g. 1.5."),
            "max_decimal_places": _("Enter the strength with at most 3 decimals, e.g. 0.125."),
            "max_digits": _("That is far above any LDN strength: check the label."),
            "max_whole_digits": _("That is far above any LDN strength: check the label."),
        },
    )
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=7,
        decimal_places=1,
        help_text=_("Capsules, mL of liquid or drops."),
        error_messages={
            "required": _("Enter how much you received, e.g. 30."),
            "invalid": _("Enter the quantity as a number, e.g. 30."),
            "max_decimal_places": _("Enter the quantity with at most one decimal, e.g. 50.5."),
            "max_digits": _("That is more than a pharmacy sends: check the label."),
            "max_whole_digits": _("That is more than a pharmacy sends: check the label."),
        },
    )

    def __init__(self, *args, regimen=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regimen is not None and not self.is_bound:
            self.initial.setdefault("form", regimen.form)
            strengths = regimen.strengths
            strength = {
                Regimen.Form.LIQUID: regimen.concentration_mg_per_ml,
                Regimen.Form.DROPS: regimen.mg_per_drop,
            }.get(regimen.form, strengths[0] if strengths else None)
            if strength is not None:
                self.initial.setdefault("strength_mg", mg(strength))


class RefillRequestForm(forms.Form):
    prefix = "refill"

    note = forms.CharField(
        label=_("Note for your care team (optional)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": NOTE_TOO_LONG},
    )
