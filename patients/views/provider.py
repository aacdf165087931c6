from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients import selectors, services
from patients.forms import FlagReviewForm
from portal.accounts.models import Role
from portal.audit.models import AccessEvent
from portal.audit.services import access_record
from portal.core.decorators import role_required
from regimens.selectors import current_regimen


@role_required(Role.PROVIDER)
def patient_list(request):
    search = request.GET.get("q", "")
    patients = selectors.patients_for_provider(provider=request.user, search=search)
    page = Paginator(patients, 25).get_page(request.GET.get("page"))
    return render(request, "patients/provider/patient_list.html", {"page": page, "q": search})


@role_required(Role.PROVIDER)
def patient_record(request, pk):
    patient = selectors.record_for(request.user, pk)
    access_record(
        actor=request.user,
        patient=patient,
        action=AccessEvent.Action.VIEW_RECORD,
        path=request.path,
    )
    context = {
        "patient": patient,
        "regimen": current_regimen(patient=patient),
        "blocking": selectors.opioid_block(patient=patient, today=selectors.local_today(patient)),
        "review_form": FlagReviewForm(),
    }
    return render(request, "patients/provider/patient_record.html", context)


@require_POST
@role_required(Role.PROVIDER)
def flag_review(request, pk, flag_pk):
    patient = selectors.patient_for(request.user, pk)
    flag = selectors.flag_for(request.user, flag_pk)
    if flag.patient_id != patient.pk:
        return redirect("patient_record", pk=patient.pk)
    form = FlagReviewForm(request.POST)
    if form.is_valid():
        services.flag_review(flag=flag, reviewed_by=request.user, note=form.cleaned_data["note"])
        messages.success(request, _("Flag marked as reviewed."))
    else:
        messages.error(request, form.errors.get("note", [_("Could not save the review.")])[0])
    return redirect("patient_record", pk=patient.pk)
