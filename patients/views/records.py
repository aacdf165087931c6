"""The care team's patient list, a patient's record and reviewing one flag. Providers only
(403 otherwise), and only their care team's patients (404 otherwise)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients.forms.review import FlagReviewForm
from patients.record_panels import record_panels
from patients.selectors.care import caregivers_of
from patients.selectors.records import (
    Purpose,
    flag_for,
    patient_for,
    patients_for_provider,
    with_record,
)
from patients.services.flags import flag_review as review_flag
from patients.treatment import treatment
from portal.accounts.decorators import role_required
from portal.accounts.models import Role
from portal.lib.timing import local_today

PATIENT_LIST_PAGE_SIZE = 25


@role_required(Role.PROVIDER)
def patient_list(request):
    search = request.GET.get("q", "")
    patients = patients_for_provider(provider=request.user, search=search)
    page = Paginator(patients, PATIENT_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "patients/provider/patient_list.html", {"page": page, "q": search})


@role_required(Role.PROVIDER)
def patient_record(request, pk):
    patient = patient_for(request.user, pk, purpose=Purpose.VIEW_RECORD, path=request.path)
    patient = with_record(patient)
    context = {
        "patient": patient,
        # The regimen, pauses, opioid status and supply, read once for the treatment's cards.
        "treatment": treatment().for_record(
            patient=patient, today=local_today(patient), medications=patient.medications.all()
        ),
        "review_form": FlagReviewForm(),
        "caregivers": caregivers_of(patient=patient),
        "panels": record_panels(patient=patient, viewer=request.user),
    }
    return render(request, "patients/provider/patient_record.html", context)


@require_POST
@role_required(Role.PROVIDER)
def flag_review(request, pk, flag_pk):
    patient = patient_for(request.user, pk, purpose=Purpose.REVIEW, path=request.path)
    flag = flag_for(request.user, flag_pk, patient=patient)
    form = FlagReviewForm(request.POST)
    if form.is_valid():
        review_flag(flag=flag, reviewed_by=request.user, note=form.cleaned_data["note"])
        if flag.resolved_at is None:
            messages.success(
                request,
                _("Acknowledged. The flag stays open while the opioid blocks LDN."),
            )
        else:
            messages.success(request, _("Flag marked as reviewed."))
    else:
        messages.error(request, form.errors.get("note", [_("Could not save the review.")])[0])
    return redirect("patient_record", pk=patient.pk)
