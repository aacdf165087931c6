"""Planned pauses of LDN: the patient's pages (plan one, see it day by day, move its date,
cancel it) and the care team's (the same, plus approving or declining). Patients reach only
their own (404 otherwise); providers only their care team's patients (404 otherwise); other
roles get 403."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients.selectors.records import Purpose, own_patient, patient_for
from portal.accounts.decorators import role_required
from portal.accounts.models import Role
from portal.lib.forms import add_service_errors
from portal.lib.timing import local_today
from regimens.forms.plans import PausePlanForm, PlanApproveForm, PlanChangeForm, PlanDeclineForm
from regimens.selectors.opioids import opioid_status_for, pause_plan_for, pause_plans_of
from regimens.selectors.regimens import current_regimen
from regimens.services import plans as services


def _patient(request, pk):
    if pk is None:
        return own_patient(request.user)
    return patient_for(request.user, pk, purpose=Purpose.VIEW_REGIMEN, path=request.path)


def _plan_url(patient, plan, pk):
    if pk is None:
        return redirect("pause_plan", plan_pk=plan.pk)
    return redirect("patient_pause_plan", pk=patient.pk, plan_pk=plan.pk)


def _plans_page(request, pk):
    patient = _patient(request, pk)
    today = local_today(patient)
    form = PausePlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_propose(
                patient=patient, created_by=request.user, today=today, **form.values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The pause is planned and waits for your care team's approval.")
                if pk is None
                else _("The pause is planned. Approve it below when it suits."),
            )
            return _plan_url(patient, plan, pk)
    context = {
        "patient": patient,
        "pk": pk,
        "form": form,
        "plans": pause_plans_of(patient=patient),
        "regimen": current_regimen(patient=patient),
        "status": opioid_status_for(patient=patient, today=today),
        "today": today,
    }
    return render(request, "regimens/plans/list.html", context)


def _plan_page(request, pk, plan_pk):
    patient = _patient(request, pk)
    plan = pause_plan_for(request.user, plan_pk, patient=patient)
    today = local_today(patient)
    form = PlanChangeForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_change(
                plan=plan, changed_by=request.user, today=today, **form.values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            text = _("The pause is planned again from the new dates.")
            if plan.care_team_told:
                text = _(
                    "The pause is planned again from the new dates, which apply now. Your care "
                    "team is told and will check them."
                )
            messages.success(request, text)
            return _plan_url(patient, plan, pk)
    return _detail(request, patient, pk, plan, change_form=form)


def _detail(request, patient, pk, plan, *, change_form=None, approve_form=None, decline_form=None):
    """The plan's page, with the form that was just refused (if any) showing its errors."""
    context = {
        "patient": patient,
        "pk": pk,
        "plan": plan,
        "change_form": change_form or PlanChangeForm(plan=plan),
        "approve_form": approve_form
        or PlanApproveForm(
            initial={"last_dose_on": plan.last_dose_on, "restart_on": plan.restart_on}
        ),
        "decline_form": decline_form or PlanDeclineForm(),
        "today": local_today(patient),
    }
    return render(request, "regimens/plans/detail.html", context)


@role_required(Role.PATIENT)
def pause_plans(request):
    return _plans_page(request, None)


@role_required(Role.PATIENT)
def pause_plan(request, plan_pk):
    return _plan_page(request, None, plan_pk)


@role_required(Role.PROVIDER)
def patient_pause_plans(request, pk):
    return _plans_page(request, pk)


@role_required(Role.PROVIDER)
def patient_pause_plan(request, pk, plan_pk):
    return _plan_page(request, pk, plan_pk)


def _cancel(request, pk, plan_pk):
    patient = _patient(request, pk)
    plan = pause_plan_for(request.user, plan_pk, patient=patient)
    try:
        services.plan_cancel(plan=plan, cancelled_by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The pause is cancelled."))
    return _plan_url(patient, plan, pk)


@require_POST
@role_required(Role.PATIENT)
def pause_plan_cancel(request, plan_pk):
    return _cancel(request, None, plan_pk)


@require_POST
@role_required(Role.PROVIDER)
def patient_pause_plan_cancel(request, pk, plan_pk):
    return _cancel(request, pk, plan_pk)


@require_POST
@role_required(Role.PROVIDER)
def patient_pause_plan_approve(request, pk, plan_pk):
    patient = _patient(request, pk)
    plan = pause_plan_for(request.user, plan_pk, patient=patient)
    form = PlanApproveForm(request.POST)
    if form.is_valid():
        try:
            services.plan_approve(
                plan=plan, decided_by=request.user, today=local_today(patient), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The pause is approved. The patient sees it on Tonight."))
            return _plan_url(patient, plan, pk)
    return _detail(request, patient, pk, plan, approve_form=form)


@require_POST
@role_required(Role.PROVIDER)
def patient_pause_plan_decline(request, pk, plan_pk):
    patient = _patient(request, pk)
    plan = pause_plan_for(request.user, plan_pk, patient=patient)
    form = PlanDeclineForm(request.POST)
    if form.is_valid():
        try:
            services.plan_decline(plan=plan, decided_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The pause is declined; the patient is told why."))
            return _plan_url(patient, plan, pk)
    return _detail(request, patient, pk, plan, decline_form=form)
