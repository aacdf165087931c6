"""Check-in pages. Providers: their upcoming check-ins, booking from the patient record and
a check-in's page (move, cancel, complete); care team only (404 otherwise). Patients: "My
check-ins", confirming one and asking for another time; only their own (404 otherwise).
Other roles get 403. (A regimen's check-in rule is a regimen page: regimens.views.)"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients.forms.checkins import CheckInForm, CompleteForm, RequestChangeForm
from patients.selectors import checkins as selectors
from patients.selectors.records import Purpose, own_patient, patient_for
from patients.services import checkins as services
from portal.accounts.decorators import role_required
from portal.accounts.models import Role
from portal.lib.formats import when
from portal.lib.forms import add_service_errors

# A service's field names that the forms call otherwise.
FIELD_NAMES = {"starts_at": "time", "suggested_date": "suggested_date"}


def _show_errors(form, error: ValidationError) -> None:
    add_service_errors(form, error, field_names=FIELD_NAMES)


def _when(checkin, user) -> str:
    return when(checkin.starts_at, user.timezone)


def _in_scope(request, pk, checkin_pk):
    patient = patient_for(request.user, pk, purpose=Purpose.VIEW_CHECKINS, path=request.path)
    return patient, selectors.checkin_for(request.user, checkin_pk, patient=patient)


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
    patient = patient_for(request.user, pk, purpose=Purpose.VIEW_CHECKINS, path=request.path)
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
    return render(request, "patients/checkins/book.html", {"patient": patient, "form": form})


@role_required(Role.PROVIDER)
def checkin_detail(request, pk, checkin_pk):
    patient, checkin = _in_scope(request, pk, checkin_pk)
    return render(
        request, "patients/checkins/detail.html", {"patient": patient, "checkin": checkin}
    )


@role_required(Role.PROVIDER)
def checkin_reschedule(request, pk, checkin_pk):
    patient, checkin = _in_scope(request, pk, checkin_pk)
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
    patient, checkin = _in_scope(request, pk, checkin_pk)
    try:
        services.checkin_cancel(checkin=checkin, cancelled_by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The check-in is cancelled and the patient is told."))
    return redirect("checkin_detail", pk=patient.pk, checkin_pk=checkin.pk)


@role_required(Role.PROVIDER)
def checkin_complete(request, pk, checkin_pk):
    patient, checkin = _in_scope(request, pk, checkin_pk)
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
