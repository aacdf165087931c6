"""A regimen's standing check-in rule (care team only: 404 for other providers, 403 for other
roles)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from patients.selectors.records import Purpose, patient_for
from portal.accounts.decorators import role_required
from portal.accounts.models import Role
from portal.lib.forms import add_service_errors
from regimens.forms.checkin_rules import CheckInRuleForm
from regimens.selectors.regimens import checkin_rule_of, regimen_for
from regimens.services.checkin_rules import checkin_rule_set

DEFAULT_RULE = {"days_after_step": 14, "at_time": "10:00", "active": True}


@role_required(Role.PROVIDER)
def checkin_rule(request, pk, regimen_pk):
    patient = patient_for(request.user, pk, purpose=Purpose.VIEW_REGIMEN, path=request.path)
    regimen = regimen_for(request.user, patient=patient, pk=regimen_pk)
    rule = checkin_rule_of(regimen=regimen)
    initial = (
        {
            "days_after_step": rule.days_after_step,
            "kind": rule.kind,
            "at_time": rule.at_time,
            "active": rule.active,
        }
        if rule
        else DEFAULT_RULE
    )
    form = CheckInRuleForm(request.POST or None, zone=request.user.timezone, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            checkin_rule_set(regimen=regimen, set_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The check-in rule is saved."))
            return redirect("regimen_detail", pk=patient.pk, regimen_pk=regimen.pk)
    context = {"patient": patient, "regimen": regimen, "rule": rule, "form": form}
    return render(request, "regimens/provider/checkin_rule.html", context)
