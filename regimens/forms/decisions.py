"""The provider's decisions on a regimen: a coded reason and an optional note, plus what each
decision needs (a dose, a date, a dose time, an override). The refusals are the services'
own words (regimens.rules); every dose passes regimens.safety.check_dose."""

from datetime import date
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.lib.fields import (
    DAY_INVALID,
    NOTE_MAX_LENGTH,
    NOTE_OPTIONAL_LABEL,
    NOTE_TOO_LONG,
    DateField,
)
from portal.lib.widgets import DateInput
from regimens import rules, safety
from regimens.forms.fields import AboveCeilingMixin, DoseField, OpioidOverrideMixin, dose_text
from regimens.models import DecisionReason, DoseTime, Regimen

# The reasons a provider gives; "protocol schedule" is the portal's own, for automatic steps.
REASON_CHOICES = [c for c in DecisionReason.choices if c[0] != DecisionReason.PROTOCOL_SCHEDULE]


class DecisionForm(forms.Form):
    """A coded reason and an optional note; subclasses add what their decision needs. A
    reason is proposed only for a step up or a maintenance dose ("tolerating well"); a hold,
    a step back, a time switch, a pause, a restart or a stop has no assumed reason (a hold
    for a holiday must not read "Reason: side effects" in the plan history)."""

    title = _("Decision")
    submit = _("Save the decision")
    default_reason: str | None = None

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=REASON_CHOICES,
        error_messages={"required": _("Pick the reason for this decision.")},
    )
    note = forms.CharField(
        label=NOTE_OPTIONAL_LABEL,
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The patient sees it in their plan history."),
        error_messages={"max_length": NOTE_TOO_LONG},
    )

    def __init__(self, data=None, *, regimen: Regimen, today: date, suggestion=None, **kwargs):
        self.regimen = regimen
        self.today = today
        self.current = regimen.current_step
        initial = {"reason": self.default_reason or "", **self.initial_for(suggestion)}
        kwargs.setdefault("initial", initial)
        super().__init__(data, **kwargs)
        if self.default_reason is None:
            # No reason is assumed: the plan history shows the one the provider picked.
            self.fields["reason"].choices = [("", _("Pick the reason")), *REASON_CHOICES]

    def initial_for(self, suggestion) -> dict:
        return {}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == DecisionReason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", rules.OTHER_WITHOUT_NOTE)
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
    default_reason = DecisionReason.TOLERATING_WELL
    title = _("Step up")
    submit = _("Step up")
    dose_mg = DoseField(label=_("New dose (mg)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_above_ceiling_fields()

    def initial_for(self, suggestion) -> dict:
        return {"dose_mg": dose_text(suggestion)}

    def clean(self):
        cleaned = super().clean()
        reason = self.above_ceiling_reason()
        dose = cleaned.get("dose_mg")
        if dose is not None and "dose_mg" not in self.errors:
            problems = (
                rules.advance_errors(dose_mg=dose, current_mg=self.current.dose_mg)
                if self.current
                else []
            ) or self._dose_problems(dose, above_ceiling_reason=reason)
            for problem in problems:
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
    until = DateField(
        label=_("Next step on"),
        widget=DateInput(),
        help_text=_("The current dose continues until then."),
        error_messages={
            "required": _("Enter the day of the next step."),
            "invalid": DAY_INVALID,
        },
    )

    def initial_for(self, suggestion) -> dict:
        return {"until": suggestion}

    def clean_until(self) -> date:
        until = self.cleaned_data["until"]
        errors = rules.hold_until_errors(
            until=until, today=self.today, longest_days=settings.LDN["HOLD_MAX_DAYS"]
        )
        if errors:
            raise forms.ValidationError(errors)
        return until

    def values(self) -> dict:
        return {**super().values(), "until": self.cleaned_data["until"]}


class StepBackForm(DecisionForm):
    title = _("Step back")
    submit = _("Step back")
    dose_mg = DoseField(label=_("Lower dose (mg)"))

    def initial_for(self, suggestion) -> dict:
        return {"dose_mg": dose_text(suggestion)}

    def clean(self):
        cleaned = super().clean()
        dose = cleaned.get("dose_mg")
        if dose is not None and "dose_mg" not in self.errors:
            problems = (
                rules.step_back_errors(dose_mg=dose, current_mg=self.current.dose_mg)
                if self.current
                else []
            ) or self._dose_problems(dose)
            for problem in problems:
                self.add_error("dose_mg", problem)
        return cleaned

    def values(self) -> dict:
        return {**super().values(), "dose_mg": self.cleaned_data["dose_mg"]}


class MaintenanceForm(DecisionForm):
    title = _("Keep this dose (maintenance)")
    default_reason = DecisionReason.TOLERATING_WELL
    submit = _("Set maintenance")


class DoseTimeForm(DecisionForm):
    title = _("Switch the dose time")
    submit = _("Switch the dose time")
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


class ResumeForm(OpioidOverrideMixin, DecisionForm):
    title = _("Resume the regimen")
    submit = _("Resume")
    override_label = _("Resume despite the opioid, with the reason below")
    override_reason_missing = _("Write why LDN resumes despite the opioid.")
    dose_mg = DoseField(label=_("Resume at (mg)"))

    def __init__(self, data=None, *, blocking=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["dose_mg"].help_text = _(
            "After a break of up to %(days)d days, resume the old dose; after a longer one, "
            "start the titration again (LDN Research Trust)."
        ) % {"days": settings.LDN["RESUME_SAME_DOSE_MAX_BREAK_DAYS"]}
        self._add_opioid_override_fields(blocking)

    def initial_for(self, suggestion) -> dict:
        return {"dose_mg": dose_text(suggestion)}

    def clean(self):
        cleaned = super().clean()
        dose = cleaned.get("dose_mg")
        if dose is not None and "dose_mg" not in self.errors:
            for problem in self._dose_problems(dose):
                self.add_error("dose_mg", problem)
        self._clean_opioid_override(cleaned)
        return cleaned

    def values(self) -> dict:
        return {
            **super().values(),
            "dose_mg": self.cleaned_data["dose_mg"],
            "opioid_override_reason": self.opioid_override_reason(),
        }


class StopForm(DecisionForm):
    title = _("Stop the regimen")
    submit = _("Stop the regimen")
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=REASON_CHOICES,
        help_text=_("“Treatment completed” marks the regimen completed; any other, stopped."),
        error_messages={"required": _("Pick the reason for this decision.")},
    )
