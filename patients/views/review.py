"""The care team's view of a patient's diary: the timeline, trends, the CSV download and
"mark reviewed". Providers on the patient's care team only: other providers get 404 (the
record's existence is not told), other roles 403. Every read writes an access event."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from patients import diary_selectors as diary
from patients.diary_forms import ReviewForm
from patients.diary_services import review_record
from patients.selectors import local_today, patient_for
from patients.views.diary import _back, csv_download, trends_page
from portal.accounts.models import Role
from portal.audit.models import AccessEvent
from portal.audit.services import access_record
from portal.core.decorators import role_required


def _audited(request, pk, action):
    patient = patient_for(request.user, pk)
    access_record(actor=request.user, patient=patient, action=action, path=request.path)
    return patient


@require_safe
@role_required(Role.PROVIDER)
def patient_diary(request, pk):
    patient = _audited(request, pk, AccessEvent.Action.VIEW_DIARY)
    page = Paginator(diary.timeline(patient=patient), diary.TIMELINE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "patient": patient,
        "page": page,
        "today": local_today(patient),
        "pgic": diary.pgic_answers(patient=patient)[:6],
        "reviews": diary.reviews_for(patient=patient)[:10],
        "review_form": ReviewForm(patient=patient),
    }
    return render(request, "patients/review/diary.html", context)


@require_safe
@role_required(Role.PROVIDER)
def patient_trends(request, pk):
    patient = _audited(request, pk, AccessEvent.Action.VIEW_TRENDS)
    url = reverse("patient_trends", args=[patient.pk])
    return trends_page(request, patient, base_url=url, provider_view=True)


@require_safe
@role_required(Role.PROVIDER)
def patient_diary_export(request, pk):
    return csv_download(_audited(request, pk, AccessEvent.Action.EXPORT_DIARY))


@require_POST
@role_required(Role.PROVIDER)
def patient_review(request, pk):
    patient = patient_for(request.user, pk)
    form = ReviewForm(request.POST, patient=patient)
    if form.is_valid():
        review = review_record(
            patient=patient,
            reviewed_by=request.user,
            flags=form.cleaned_data["flags"],
            note=form.cleaned_data["note"],
        )
        closed = review.flags.count()
        messages.success(
            request,
            ngettext(
                "%(name)s is marked reviewed; %(count)d flag closed.",
                "%(name)s is marked reviewed; %(count)d flags closed.",
                closed,
            )
            % {"name": patient.name or patient.user.email, "count": closed},
        )
    else:
        messages.error(request, next(iter(form.errors.values()))[0])
    return redirect(_back(request, "provider_home"))
