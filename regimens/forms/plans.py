"""Planning a pause of LDN around a procedure or a short opioid course (the patient or the care
team), changing its date, and the provider's approval or refusal. The rules and the refusals
are the service's (regimens.services.plans), shown next to the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.lib.fields import (
    DATE_INVALID,
    DATE_REQUIRED,
    NOTE_MAX_LENGTH,
    NOTE_TOO_LONG,
    DateField,
)
from portal.lib.widgets import DateInput
from regimens.models import PausePlan
from regimens.services.plans import (
    NO_DECLINE_REASON,
    NO_FIRST_DAY,
    NO_KIND,
    NO_LAST_DAY,
    NO_OPIOID_NAME,
    NO_PROCEDURE_DAY,
)


def _date(label, *, required=False, help_text=""):
    return DateField(
        label=label,
        required=required,
        widget=DateInput(),
        help_text=help_text,
        error_messages={"invalid": DATE_INVALID, "required": DATE_REQUIRED},
    )


class PausePlanForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is planned"),
        choices=PausePlan.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": NO_KIND},
    )
    procedure_on = _date(_("Day of the procedure"))
    procedure_kind = forms.ChoiceField(
        label=_("Kind of procedure"),
        choices=[("", _("Choose one")), *PausePlan.ProcedureKind.choices],
        required=False,
    )
    opioids_after = forms.BooleanField(
        label=_("Opioid painkillers are expected afterwards"), required=False
    )
    last_opioid_on = _date(
        _("Last day of opioids, if you know it"),
        help_text=_("Leave it empty to count from the day of the procedure."),
    )
    medication_name = forms.CharField(
        label=_("The opioid, as on the prescription"),
        max_length=200,
        required=False,
        help_text=_("For example “codeine 30 mg” or “tramadol 50 mg”."),
    )
    course_starts_on = _date(_("First day of the opioid"))
    course_ends_on = _date(_("Last day you expect to take it"))

    REQUIRED = {
        PausePlan.Kind.PROCEDURE: {"procedure_on": NO_PROCEDURE_DAY},
        PausePlan.Kind.COURSE: {
            "medication_name": NO_OPIOID_NAME,
            "course_starts_on": NO_FIRST_DAY,
            "course_ends_on": NO_LAST_DAY,
        },
    }

    def clean(self):
        cleaned = super().clean()
        for name, message in self.REQUIRED.get(cleaned.get("kind"), {}).items():
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "procedure_on": data.get("procedure_on"),
            "procedure_kind": data.get("procedure_kind") or "",
            "opioids_after": bool(data.get("opioids_after")),
            "last_opioid_on": data.get("last_opioid_on"),
            "medication_name": data.get("medication_name") or "",
            "course_starts_on": data.get("course_starts_on"),
            "course_ends_on": data.get("course_ends_on"),
        }


class PlanChangeForm(forms.Form):
    """The procedure moved, or the course ends on another day."""

    def __init__(self, data=None, *, plan: PausePlan, **kwargs):
        super().__init__(data, **kwargs)
        self.plan = plan
        if plan.kind == PausePlan.Kind.PROCEDURE:
            self.fields["procedure_on"] = _date(_("New day of the procedure"), required=True)
            self.initial.setdefault("procedure_on", plan.procedure_on)
            if plan.opioids_after:
                self.fields["last_opioid_on"] = _date(_("Last day of opioids"))
                self.initial.setdefault("last_opioid_on", plan.last_opioid_on)
        else:
            self.fields["course_ends_on"] = _date(_("New last day of the opioid"), required=True)
            self.initial.setdefault("course_ends_on", plan.course_ends_on)

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}


class PlanApproveForm(forms.Form):
    last_dose_on = _date(
        _("Last LDN dose"),
        help_text=_("Leave it to approve the proposed day, or pick an earlier one."),
    )
    restart_on = _date(
        _("LDN again from"),
        help_text=_("Leave it to approve the proposed day, or pick a later one."),
    )
    note = forms.CharField(
        label=_("Note for the patient (optional)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": NOTE_TOO_LONG},
    )


class PlanDeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why decline"),
        choices=PausePlan.DeclineReason.choices,
        error_messages={"required": NO_DECLINE_REASON},
    )
    note = forms.CharField(
        label=_("Note for the patient"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": NOTE_TOO_LONG},
    )
