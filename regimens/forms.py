"""Forms for starting a regimen, the provider's decisions and the patient's reports.

Every clean_* returns the value the service takes; messages say what is wrong and what is
allowed. Every dose passes regimens.safety.check_dose for the regimen's formulation. "Today"
is the patient's local date, passed in by the view.
"""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from regimens import safety, titration
from regimens.models import DecisionReason, DoseLog, DoseTime, Protocol, Regimen, Severity
from regimens.models import SideEffect as SideEffectKind
from regimens.selectors import startable_protocols
from regimens.services import opioid_block_message

MAX_REPORT_DAYS_BACK = 30  # [design] side effects are reported while they are remembered
OVERRIDE_NEEDED = _(
    "An opioid stands in the way (see the washout dates below): tick this box and write the "
    "reason, or wait until the washout ends."
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _day(value: date) -> str:
    return date_format(value, "j M Y")


def _dose_text(value: Decimal | None) -> str | None:
    """A suggested dose as people type it: "2", not "2.000"."""
    return safety.format_decimal(value) if value is not None else None


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


class ProtocolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, protocol: Protocol) -> str:
        doses = " → ".join(
            titration.mg(dose)
            for dose, _day_on in titration.plan_steps(
                rules=protocol.rules(), start_mg=protocol.start_mg, start_on=date.min
            )
        )
        return _("%(name)s: %(doses)s mg, every %(days)d days") % {
            "name": protocol.name,
            "doses": doses,
            "days": protocol.interval_days,
        }


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


class StartRegimenForm(AboveCeilingMixin, forms.Form):
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
    start_on = forms.DateField(
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
        self.blocking = list(blocking)
        kwargs.setdefault("initial", {"start_on": today, "dose_time": DoseTime.BEDTIME})
        super().__init__(data, **kwargs)
        self.fields["protocol"].queryset = startable_protocols()
        self._add_above_ceiling_fields()
        if self.blocking:
            self.fields["opioid_override"] = forms.BooleanField(
                label=_("Start despite the opioid, with the reason below"), required=False
            )
            self.fields["opioid_override_reason"] = forms.CharField(
                label=_("Reason for the override"),
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=opioid_block_message(self.blocking),
            )

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
                % {"earliest": _day(earliest), "back": back, "latest": _day(latest)}
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
        if self.blocking:
            reason = cleaned.get("opioid_override_reason", "").strip()
            if not cleaned.get("opioid_override"):
                self.add_error("opioid_override", OVERRIDE_NEEDED)
            elif not reason:
                self.add_error(
                    "opioid_override_reason", _("Write why LDN starts despite the opioid.")
                )
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
            "opioid_override_reason": data.get("opioid_override_reason", "").strip()
            if self.blocking and data.get("opioid_override")
            else "",
        }


# Provider decisions -----------------------------------------------------------------------------


class DecisionForm(forms.Form):
    """A coded reason and an optional note; subclasses add what their decision needs."""

    title = _("Decision")
    submit = _("Save the decision")
    default_reason = DecisionReason.TOLERATING_WELL

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[c for c in DecisionReason.choices if c[0] != DecisionReason.PROTOCOL_SCHEDULE],
        error_messages={"required": _("Pick the reason for this decision.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The patient sees it in their plan history."),
        error_messages={"max_length": _("Keep the note under 500 characters.")},
    )

    def __init__(self, data=None, *, regimen: Regimen, today: date, suggestion=None, **kwargs):
        self.regimen = regimen
        self.today = today
        self.current = regimen.current_step
        initial = {"reason": self.default_reason, **self.initial_for(suggestion)}
        kwargs.setdefault("initial", initial)
        super().__init__(data, **kwargs)

    def initial_for(self, suggestion) -> dict:
        return {}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == DecisionReason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", _("The reason is “Other”: say why in the note."))
        return cleaned

    def values(self) -> dict:
        return {"reason": self.cleaned_data["reason"], "note": self.cleaned_data["note"]}

    def _dose_problems(self, dose: Decimal, *, above_ceiling_reason: str = "") -> list[str]:
        return safety.check_dose(
            dose,
            self.regimen.formulation(),
            self.regimen.protocol.dose_limits(),
            above_ceiling_decision=bool(above_ceiling_reason),
        )


class AdvanceForm(AboveCeilingMixin, DecisionForm):
    title = _("Step up")
    submit = _("Step up")
    dose_mg = DoseField(label=_("New dose (mg)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_above_ceiling_fields()

    def initial_for(self, suggestion) -> dict:
        return {"dose_mg": _dose_text(suggestion)}

    def clean(self):
        cleaned = super().clean()
        reason = self.above_ceiling_reason()
        dose = cleaned.get("dose_mg")
        if dose is not None and "dose_mg" not in self.errors:
            if self.current and dose <= self.current.dose_mg:
                self.add_error(
                    "dose_mg",
                    _("A step up goes above the current %(dose)s mg. To lower it, step back.")
                    % {"dose": titration.mg(self.current.dose_mg)},
                )
            else:
                for problem in self._dose_problems(dose, above_ceiling_reason=reason):
                    self.add_error("dose_mg", problem)
        cleaned["above_ceiling_reason"] = reason
        return cleaned

    def values(self) -> dict:
        return {
            **super().values(),
            "dose_mg": self.cleaned_data["dose_mg"],
            "above_ceiling_reason": self.cleaned_data["above_ceiling_reason"],
        }


class HoldForm(DecisionForm):
    title = _("Hold the next step")
    submit = _("Hold")
    default_reason = DecisionReason.SIDE_EFFECTS
    until = forms.DateField(
        label=_("Next step on"),
        widget=DateInput(),
        help_text=_("The current dose continues until then."),
        error_messages={
            "required": _("Enter the day of the next step."),
            "invalid": _("Enter the day as a date, e.g. 2026-03-01."),
        },
    )

    def initial_for(self, suggestion) -> dict:
        return {"until": suggestion}

    def clean_until(self) -> date:
        until = self.cleaned_data["until"]
        longest = settings.LDN["HOLD_MAX_DAYS"]
        last = self.today + timedelta(days=longest)
        if not self.today < until <= last:
            raise forms.ValidationError(
                _("Pick a date after today and at most %(days)d days ahead, by %(last)s.")
                % {"days": longest, "last": _day(last)}
            )
        return until

    def values(self) -> dict:
        return {**super().values(), "until": self.cleaned_data["until"]}


class StepBackForm(DecisionForm):
    title = _("Step back")
    submit = _("Step back")
    default_reason = DecisionReason.SIDE_EFFECTS
    dose_mg = DoseField(label=_("Lower dose (mg)"))

    def initial_for(self, suggestion) -> dict:
        return {"dose_mg": _dose_text(suggestion)}

    def clean(self):
        cleaned = super().clean()
        dose = cleaned.get("dose_mg")
        if dose is not None and "dose_mg" not in self.errors:
            if self.current and dose >= self.current.dose_mg:
                self.add_error(
                    "dose_mg",
                    _("A step back goes below the current %(dose)s mg.")
                    % {"dose": titration.mg(self.current.dose_mg)},
                )
            else:
                for problem in self._dose_problems(dose):
                    self.add_error("dose_mg", problem)
        return cleaned

    def values(self) -> dict:
        return {**super().values(), "dose_mg": self.cleaned_data["dose_mg"]}


class MaintenanceForm(DecisionForm):
    title = _("Keep this dose (maintenance)")
    submit = _("Set maintenance")


class DoseTimeForm(DecisionForm):
    title = _("Switch the dose time")
    submit = _("Switch the dose time")
    default_reason = DecisionReason.SIDE_EFFECTS
    dose_time = forms.ChoiceField(
        label=_("Take the dose"), choices=DoseTime.choices, widget=forms.RadioSelect
    )

    def initial_for(self, suggestion) -> dict:
        return {"dose_time": suggestion}

    def clean_dose_time(self) -> str:
        value = self.cleaned_data["dose_time"]
        if value == self.regimen.dose_time:
            raise forms.ValidationError(
                _("The dose is already taken %(time)s: pick the other time.")
                % {"time": self.regimen.get_dose_time_display().lower()}
            )
        return value

    def values(self) -> dict:
        return {**super().values(), "dose_time": self.cleaned_data["dose_time"]}


class PauseForm(DecisionForm):
    title = _("Pause the regimen")
    submit = _("Pause")
    default_reason = DecisionReason.SURGERY


class ResumeForm(DecisionForm):
    title = _("Resume the regimen")
    submit = _("Resume")
    dose_mg = DoseField(
        label=_("Resume at (mg)"),
        help_text=_(
            "After a break of up to 2 weeks, resume the old dose; after a longer one, start the "
            "titration again (LDN Research Trust)."
        ),
    )

    def __init__(self, data=None, *, blocking=(), **kwargs):
        self.blocking = list(blocking)
        super().__init__(data, **kwargs)
        if self.blocking:
            self.fields["opioid_override"] = forms.BooleanField(
                label=_("Resume despite the opioid, with the reason below"), required=False
            )
            self.fields["opioid_override_reason"] = forms.CharField(
                label=_("Reason for the override"),
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=opioid_block_message(self.blocking),
            )

    def initial_for(self, suggestion) -> dict:
        return {"dose_mg": _dose_text(suggestion)}

    def clean(self):
        cleaned = super().clean()
        dose = cleaned.get("dose_mg")
        if dose is not None and "dose_mg" not in self.errors:
            for problem in self._dose_problems(dose):
                self.add_error("dose_mg", problem)
        if self.blocking:
            if not cleaned.get("opioid_override"):
                self.add_error("opioid_override", OVERRIDE_NEEDED)
            elif not cleaned.get("opioid_override_reason", "").strip():
                self.add_error(
                    "opioid_override_reason", _("Write why LDN resumes despite the opioid.")
                )
        return cleaned

    def values(self) -> dict:
        data = self.cleaned_data
        override = data.get("opioid_override_reason", "") if data.get("opioid_override") else ""
        return {**super().values(), "dose_mg": data["dose_mg"], "opioid_override_reason": override}


class StopForm(DecisionForm):
    title = _("Stop the regimen")
    submit = _("Stop the regimen")
    default_reason = DecisionReason.PATIENT_REQUEST
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[c for c in DecisionReason.choices if c[0] != DecisionReason.PROTOCOL_SCHEDULE],
        help_text=_("“Treatment completed” marks the regimen completed; any other, stopped."),
        error_messages={"required": _("Pick the reason for this decision.")},
    )


# The patient's (and the provider's) reports -----------------------------------------------------


class SideEffectForm(forms.Form):
    prefix = "side_effect"  # unique field ids on pages with several forms
    on = forms.DateField(
        label=_("Day"),
        widget=DateInput(),
        error_messages={
            "required": _("Enter the day it happened."),
            "invalid": _("Enter the day as a date, e.g. 2026-03-01."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Side effect"),
        choices=SideEffectKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pick the side effect.")},
    )
    severity = forms.TypedChoiceField(
        label=_("How bad"),
        choices=Severity.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pick how bad it was.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=300,
        help_text=_("For “Something else”, say what it was."),
        error_messages={"max_length": _("Keep the note under 300 characters.")},
    )

    def __init__(self, data=None, *, regimen: Regimen, today: date, **kwargs):
        self.regimen = regimen
        self.today = today
        kwargs.setdefault("initial", {"on": today})
        super().__init__(data, **kwargs)

    def clean_on(self) -> date:
        day = self.cleaned_data["on"]
        earliest = max(self.regimen.started_on, self.today - timedelta(days=MAX_REPORT_DAYS_BACK))
        if day > self.today:
            raise forms.ValidationError(_("The day cannot be in the future."))
        if day < earliest:
            raise forms.ValidationError(
                _("Pick a day from %(earliest)s (the regimen's start or 30 days back) to today.")
                % {"earliest": _day(earliest)}
            )
        return day

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == SideEffectKind.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", _("You picked “Something else”: say what it was."))
        return cleaned


class DoseLogForm(forms.Form):
    status = forms.ChoiceField(
        choices=DoseLog.Status.choices,
        error_messages={
            "required": _("Choose taken, skipped or missed."),
            "invalid_choice": _("Choose taken, skipped or missed."),
        },
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
