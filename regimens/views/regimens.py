"""The care team's regimen pages: the titration queue, starting a regimen, the regimen page,
one page per decision and side-effect reports. Providers reach only their care team's
patients (404 otherwise); other roles get 403."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from patients.forms.side_effects import SideEffectForm
from patients.selectors.medications import opioid_block
from patients.selectors.records import Purpose, patient_for, visible_patients
from patients.services.side_effects import side_effect_report
from portal.accounts.decorators import role_required
from portal.accounts.models import Role
from portal.lib.forms import add_service_errors
from portal.lib.fragments import render_rows
from portal.lib.timing import local_today
from regimens.forms import decisions as decision_forms
from regimens.forms.start import StartRegimenForm
from regimens.selectors import engine, queue
from regimens.selectors import regimens as selectors
from regimens.services import decisions
from regimens.services.start import regimen_start as start_regimen
from regimens.services.status import statuses_refresh_due

# A decision's URL slug -> its form and the service that applies it.
DECISIONS = {
    "advance": (decision_forms.AdvanceForm, decisions.regimen_advance),
    "hold": (decision_forms.HoldForm, decisions.regimen_hold),
    "step-back": (decision_forms.StepBackForm, decisions.regimen_step_back),
    "maintenance": (decision_forms.MaintenanceForm, decisions.regimen_set_maintenance),
    "dose-time": (decision_forms.DoseTimeForm, decisions.regimen_switch_dose_time),
    "pause": (decision_forms.PauseForm, decisions.regimen_pause),
    "resume": (decision_forms.ResumeForm, decisions.regimen_resume),
    "stop": (decision_forms.StopForm, decisions.regimen_stop),
}


def _in_scope(request, pk, regimen_pk):
    patient = patient_for(request.user, pk, purpose=Purpose.VIEW_REGIMEN, path=request.path)
    return patient, selectors.regimen_for(request.user, patient=patient, pk=regimen_pk)


@role_required(Role.PROVIDER)
def titration_queue(request):
    show = request.GET.get("show", "all")
    if show not in queue.FILTERS:
        show = "all"
    statuses_refresh_due(patients=visible_patients(request.user))
    page = queue.titration_queue(provider=request.user, page=request.GET.get("page"), show=show)
    render_rows("regimens/partials/titration_queue_row.html", page.object_list, name="item")
    context = {
        "page": page,
        "queue": page.object_list,
        "show": show,
        "filters": queue.FILTERS,
        "today": local_today(request.user),
    }
    return render(request, "regimens/provider/queue.html", context)


@role_required(Role.PROVIDER)
def regimen_start(request, pk):
    patient = patient_for(request.user, pk, purpose=Purpose.VIEW_REGIMEN, path=request.path)
    today = local_today(patient)
    blocking = opioid_block(patient=patient, today=today)
    form = StartRegimenForm(request.POST or None, today=today, blocking=blocking)
    if request.method == "POST" and form.is_valid():
        try:
            regimen = start_regimen(
                patient=patient, started_by=request.user, today=today, **form.service_values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The regimen is started and its steps are planned."))
            return redirect("regimen_detail", pk=patient.pk, regimen_pk=regimen.pk)
    context = {
        "patient": patient,
        "form": form,
        "blocking": blocking,
        "existing": selectors.current_regimen(patient=patient),
    }
    return render(request, "regimens/provider/start.html", context)


@role_required(Role.PROVIDER)
def regimen_detail(request, pk, regimen_pk):
    patient, regimen = _in_scope(request, pk, regimen_pk)
    today = local_today(patient)
    context = {
        "patient": patient,
        "regimen": regimen,
        "today": today,
        "recommendation": engine.recommendation_for(regimen, today),
        "history": selectors.plan_history(regimen=regimen),
        "dose_logs": selectors.recent_dose_logs(regimen=regimen, today=today),
        "others": selectors.regimens_of(patient=patient).exclude(pk=regimen.pk),
        "side_effect_form": SideEffectForm(regimen=regimen, today=today),
    }
    return render(request, "regimens/provider/detail.html", context)


@role_required(Role.PROVIDER)
def regimen_decision(request, pk, regimen_pk, action):
    if action not in DECISIONS:
        raise Http404
    patient, regimen = _in_scope(request, pk, regimen_pk)
    today = local_today(patient)
    form_class, service = DECISIONS[action]
    extra = {"blocking": opioid_block(patient=patient, today=today)} if action == "resume" else {}
    suggestion = engine.decision_suggestion(action=action, regimen=regimen, today=today)
    form = form_class(
        request.POST or None, regimen=regimen, today=today, suggestion=suggestion, **extra
    )
    if request.method == "POST" and form.is_valid():
        try:
            service(regimen=regimen, decided_by=request.user, today=today, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Decision saved: %(title)s.") % {"title": form.title})
            return redirect("regimen_detail", pk=patient.pk, regimen_pk=regimen.pk)
    context = {
        "patient": patient,
        "regimen": regimen,
        "form": form,
        "action": action,
        "recommendation": engine.recommendation_for(regimen, today),
    }
    return render(request, "regimens/provider/decision.html", context)


@role_required(Role.PROVIDER)
def regimen_side_effect(request, pk, regimen_pk):
    patient, regimen = _in_scope(request, pk, regimen_pk)
    today = local_today(patient)
    form = SideEffectForm(request.POST or None, regimen=regimen, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            side_effect_report(regimen=regimen, entered_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The side effect is recorded."))
            return redirect("regimen_detail", pk=patient.pk, regimen_pk=regimen.pk)
    context = {"patient": patient, "regimen": regimen, "form": form}
    return render(request, "regimens/provider/side_effect.html", context)
