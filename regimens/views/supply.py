"""The supply pages: the patient's own (Tonight → Supply) and the care team's for a patient.
Both record fills and show how long they last; the patient asks for a refill, the care team
marks a request handled. Patients reach only their own (403 for other roles); providers only
their care team's patients (404 otherwise)."""

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
from regimens.forms.supply import FillForm, RefillRequestForm
from regimens.selectors.supply import refill_request_for, refill_requests_of, supply_for
from regimens.services import supply as services


def _patient(request, pk):
    if pk is None:
        return own_patient(request.user)
    return patient_for(request.user, pk, purpose=Purpose.VIEW_REGIMEN, path=request.path)


def _back(patient, pk):
    return redirect("supply") if pk is None else redirect("patient_supply", pk=patient.pk)


def _page(request, pk, *, fill_form=None, refill_form=None):
    patient = _patient(request, pk)
    today = local_today(patient)
    view = supply_for(patient=patient, today=today)
    if fill_form is None:
        fill_form = FillForm(request.POST or None, regimen=view.regimen, initial={"on": today})
        if request.method == "POST" and fill_form.is_valid():
            try:
                services.supply_fill_record(
                    patient=patient, entered_by=request.user, today=today, **fill_form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(fill_form, error)
            else:
                messages.success(request, _("The fill is recorded."))
                return _back(patient, pk)
    context = {
        "patient": patient,
        "pk": pk,
        "supply": view,
        "fill_form": fill_form,
        "refill_form": refill_form or RefillRequestForm(),
        "requests": refill_requests_of(patient=patient),
        "today": today,
    }
    return render(request, "regimens/supply/page.html", context)


@role_required(Role.PATIENT)
def supply(request):
    return _page(request, None)


@role_required(Role.PROVIDER)
def patient_supply(request, pk):
    return _page(request, pk)


@require_POST
@role_required(Role.PATIENT)
def refill_request(request):
    patient = own_patient(request.user)
    form = RefillRequestForm(request.POST)
    if not form.is_valid():
        return _page(request, None, fill_form=FillForm(), refill_form=form)
    try:
        services.refill_request_send(
            patient=patient,
            requested_by=request.user,
            today=local_today(patient),
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])  # already asked, or no regimen
    else:
        messages.success(request, _("Your care team has your request."))
    return redirect("supply")


@require_POST
@role_required(Role.PROVIDER)
def patient_refill_handled(request, pk, refill_pk):
    patient = _patient(request, pk)
    refill = refill_request_for(request.user, refill_pk, patient=patient)
    try:
        services.refill_request_handle(request=refill, handled_by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The refill request is marked handled."))
    return redirect("patient_supply", pk=patient.pk)
