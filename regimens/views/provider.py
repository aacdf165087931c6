"""The care team's regimen pages: the titration queue, starting a regimen, the regimen page,
one page per decision and side-effect reports. Providers reach only their care team's
patients (404 otherwise); other roles get 403."""

import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from patients.selectors import local_today, opioid_block, patient_for
from portal.accounts.models import Role
from portal.audit.models import AccessEvent
from portal.audit.services import access_record
from portal.core.decorators import role_required
from regimens import forms, selectors, services
from regimens.views import add_service_errors

# A decision's URL slug -> its form and the service that applies it.
DECISIONS = {
    "advance": (forms.AdvanceForm, services.regimen_advance),
    "hold": (forms.HoldForm, services.regimen_hold),
    "step-back": (forms.StepBackForm, services.regimen_step_back),
    "maintenance": (forms.MaintenanceForm, services.regimen_set_maintenance),
    "dose-time": (forms.DoseTimeForm, services.regimen_switch_dose_time),
    "pause": (forms.PauseForm, services.regimen_pause),
    "resume": (forms.ResumeForm, services.regimen_resume),
    "stop": (forms.StopForm, services.regimen_stop),
}


def _in_scope(request, pk, regimen_pk):
    patient = patient_for(request.user, pk)
    return patient, selectors.regimen_for(request.user, patient=patient, pk=regimen_pk)


@role_required(Role.PROVIDER)
def titration_queue(request):
    today = localdate(timezone=zoneinfo.ZoneInfo(request.user.timezone))
    queue = selectors.titration_queue(provider=request.user, today=today)
    return render(request, "regimens/provider/queue.html", {"queue": queue, "today": today})


@role_required(Role.PROVIDER)
def regimen_start(request, pk):
    patient = patient_for(request.user, pk)
    today = local_today(patient)
    blocking = opioid_block(patient=patient, today=today)
    form = forms.StartRegimenForm(request.POST or None, today=today, blocking=blocking)
    if request.method == "POST" and form.is_valid():
        try:
            regimen = services.regimen_start(
                patient=patient, started_by=request.user, today=today, **form.service_values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The regimen is started and its steps are planned."))
            return redirect("regimen_detail", pk=patient.pk, regimen_pk=regimen.pk)
    if request.method == "GET":
        access_record(
            actor=request.user,
            patient=patient,
            action=AccessEvent.Action.VIEW_RECORD,
            path=request.path,
        )
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
    access_record(
        actor=request.user,
        patient=patient,
        action=AccessEvent.Action.VIEW_REGIMEN,
        path=request.path,
    )
    today = local_today(patient)
    context = {
        "patient": patient,
        "regimen": regimen,
        "today": today,
        "recommendation": selectors.recommendation_for(regimen, today),
        "history": selectors.plan_history(regimen=regimen),
        "dose_logs": selectors.recent_dose_logs(regimen=regimen, today=today),
        "others": selectors.regimens_of(patient=patient).exclude(pk=regimen.pk),
        "side_effect_form": forms.SideEffectForm(regimen=regimen, today=today),
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
    suggestion = selectors.decision_suggestion(action=action, regimen=regimen, today=today)
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
        "recommendation": selectors.recommendation_for(regimen, today),
    }
    return render(request, "regimens/provider/decision.html", context)


@role_required(Role.PROVIDER)
def regimen_side_effect(request, pk, regimen_pk):
    patient, regimen = _in_scope(request, pk, regimen_pk)
    today = local_today(patient)
    form = forms.SideEffectForm(request.POST or None, regimen=regimen, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            services.side_effect_report(
                regimen=regimen, entered_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The side effect is recorded."))
            return redirect("regimen_detail", pk=patient.pk, regimen_pk=regimen.pk)
    context = {"patient": patient, "regimen": regimen, "form": form}
    return render(request, "regimens/provider/side_effect.html", context)
