"""Check-in pages. Providers: their upcoming check-ins, booking from the patient record, a
check-in's page (move, cancel, complete) and a regimen's check-in rule; care team only
(404 otherwise). Patients: "My check-ins", confirming one and asking for another time; only
their own (404 otherwise). Other roles get 403."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients import checkin_selectors as selectors
from patients import checkin_services as services
from patients.checkin_forms import CheckInForm, CheckInRuleForm, CompleteForm, RequestChangeForm
from patients.selectors import own_patient, patient_for
from portal.accounts.models import Role
from portal.audit.models import AccessEvent
from portal.audit.services import access_record
from portal.core.decorators import role_required
from regimens.models import CheckInRule
from regimens.selectors import regimen_for
from regimens.views import add_service_errors

# A service's field names that the forms call otherwise.
FIELD_NAMES = {"starts_at": "time", "suggested_date": "suggested_date"}


def _show_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        error = ValidationError({FIELD_NAMES.get(k, k): v for k, v in error.error_dict.items()})
    add_service_errors(form, error)


def _when(checkin, user) -> str:
    return selectors.local_when(checkin.starts_at, user.timezone)


# The care team's pages -------------------------------------------------------------------


@role_required(Role.PROVIDER)
def provider_checkins(request):
    checkins = selectors.upcoming_checkins_for_provider(provider=request.user)
    return render(
        request,
        "patients/checkins/provider_list.html",
        {"checkins": checkins, "now": timezone.now()},
    )


@role_required(Role.PROVIDER)
def checkin_book(request, pk):
    patient = patient_for(request.user, pk)
    form = CheckInForm(request.POST or None, zone=request.user.timezone, now=timezone.now())
    if request.method == "POST" and form.is_valid():
        try:
            checkin = services.checkin_book(
                patient=patient, provider=request.user, booked_by=request.user, **form.values()
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                _("Check-in booked for %(when)s. The patient is asked to confirm it.")
                % {"when": _when(checkin, request.user)},
            )
            return redirect("checkin_detail", pk=patient.pk, checkin_pk=checkin.pk)
    elif request.method == "GET":
        access_record(
            actor=request.user,
            patient=patient,
            action=AccessEvent.Action.VIEW_RECORD,
            path=request.path,
        )
    return render(request, "patients/checkins/book.html", {"patient": patient, "form": form})


@role_required(Role.PROVIDER)
def checkin_detail(request, pk, checkin_pk):
    patient = patient_for(request.user, pk)
    checkin = selectors.checkin_for(request.user, checkin_pk, patient=patient)
    access_record(
        actor=request.user,
        patient=patient,
        action=AccessEvent.Action.VIEW_RECORD,
        path=request.path,
    )
    return render(
        request, "patients/checkins/detail.html", {"patient": patient, "checkin": checkin}
    )


@role_required(Role.PROVIDER)
def checkin_reschedule(request, pk, checkin_pk):
    patient = patient_for(request.user, pk)
    checkin = selectors.checkin_for(request.user, checkin_pk, patient=patient)
    initial = {"kind": checkin.kind}
    form = CheckInForm(
        request.POST or None, zone=request.user.timezone, now=timezone.now(), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_reschedule(
                checkin=checkin, rescheduled_by=request.user, **form.values()
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request, _("The check-in is moved; the patient is asked to confirm the new time.")
            )
            return redirect("checkin_detail", pk=patient.pk, checkin_pk=checkin.pk)
    context = {"patient": patient, "checkin": checkin, "form": form}
    return render(request, "patients/checkins/book.html", context)


@require_POST
@role_required(Role.PROVIDER)
def checkin_cancel(request, pk, checkin_pk):
    patient = patient_for(request.user, pk)
    checkin = selectors.checkin_for(request.user, checkin_pk, patient=patient)
    try:
        services.checkin_cancel(checkin=checkin, cancelled_by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The check-in is cancelled and the patient is told."))
    return redirect("checkin_detail", pk=patient.pk, checkin_pk=checkin.pk)


@role_required(Role.PROVIDER)
def checkin_complete(request, pk, checkin_pk):
    patient = patient_for(request.user, pk)
    checkin = selectors.checkin_for(request.user, checkin_pk, patient=patient)
    form = CompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_complete(
                checkin=checkin, completed_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The check-in is completed and the PGIC answer saved."))
            return redirect("checkin_detail", pk=patient.pk, checkin_pk=checkin.pk)
    context = {"patient": patient, "checkin": checkin, "form": form}
    return render(request, "patients/checkins/complete.html", context)


@role_required(Role.PROVIDER)
def checkin_rule(request, pk, regimen_pk):
    patient = patient_for(request.user, pk)
    regimen = regimen_for(request.user, patient=patient, pk=regimen_pk)
    rule = CheckInRule.objects.filter(regimen=regimen).first()
    initial = (
        {
            "days_after_step": rule.days_after_step,
            "kind": rule.kind,
            "at_time": rule.at_time,
            "active": rule.active,
        }
        if rule
        else {"days_after_step": 14, "at_time": "10:00", "active": True}
    )
    form = CheckInRuleForm(request.POST or None, zone=request.user.timezone, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_rule_set(regimen=regimen, set_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The check-in rule is saved."))
            return redirect("regimen_detail", pk=patient.pk, regimen_pk=regimen.pk)
    context = {"patient": patient, "regimen": regimen, "rule": rule, "form": form}
    return render(request, "patients/checkins/rule.html", context)


# The patient's own pages -----------------------------------------------------------------


@role_required(Role.PATIENT)
def my_checkins(request):
    patient = own_patient(request.user)
    context = selectors.checkins_for_patient(patient=patient, now=timezone.now())
    return render(request, "patients/checkins/patient_list.html", context)


@require_POST
@role_required(Role.PATIENT)
def checkin_confirm(request, checkin_pk):
    checkin = selectors.checkin_for(request.user, checkin_pk)
    try:
        services.checkin_confirm(checkin=checkin)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("Thank you: the check-in on %(when)s is confirmed.")
            % {"when": _when(checkin, request.user)},
        )
    return redirect("my_checkins")


@role_required(Role.PATIENT)
def checkin_request_change(request, checkin_pk):
    checkin = selectors.checkin_for(request.user, checkin_pk)
    form = RequestChangeForm(request.POST or None, zone=request.user.timezone, now=timezone.now())
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_request_change(checkin=checkin, **form.values())
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Your provider is told you would like another time."))
            return redirect("my_checkins")
    return render(
        request, "patients/checkins/request_change.html", {"checkin": checkin, "form": form}
    )
