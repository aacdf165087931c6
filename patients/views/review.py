"""The care team's view of a patient's diary: the timeline, trends, the CSV download and
"mark reviewed". Providers on the patient's care team only: other providers get 404 (the
record's existence is not told), other roles 403. Every read writes an access event
(patients.selectors.records.patient_for)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from patients.forms.review import ReviewForm
from patients.selectors import diary
from patients.selectors.records import Purpose, patient_for
from patients.services.reviews import review_record
from patients.views.diary import diary_csv_response, render_trends
from portal.accounts.decorators import role_required
from portal.accounts.models import Role
from portal.lib.redirects import safe_next
from portal.lib.timing import local_today


@require_safe
@role_required(Role.PROVIDER)
def patient_diary(request, pk):
    patient = patient_for(request.user, pk, purpose=Purpose.VIEW_DIARY, path=request.path)
    context = {
        "patient": patient,
        "page": diary.timeline_page(patient=patient, page=request.GET.get("page")),
        "today": local_today(patient),
        "pgic": diary.pgic_answers(patient=patient)[:6],
        "reviews": diary.reviews_for(patient=patient)[:10],
        "review_form": ReviewForm(patient=patient),
    }
    return render(request, "patients/review/diary.html", context)


@require_safe
@role_required(Role.PROVIDER)
def patient_trends(request, pk):
    patient = patient_for(request.user, pk, purpose=Purpose.VIEW_TRENDS, path=request.path)
    url = reverse("patient_trends", args=[patient.pk])
    return render_trends(request, patient, base_url=url, provider_view=True)


@require_safe
@role_required(Role.PROVIDER)
def patient_diary_export(request, pk):
    patient = patient_for(request.user, pk, purpose=Purpose.EXPORT_DIARY, path=request.path)
    return diary_csv_response(patient)


@require_POST
@role_required(Role.PROVIDER)
def patient_review(request, pk):
    patient = patient_for(request.user, pk, purpose=Purpose.REVIEW, path=request.path)
    form = ReviewForm(request.POST, patient=patient)
    if form.is_valid():
        review = review_record(
            patient=patient,
            reviewed_by=request.user,
            flags=form.cleaned_data["flags"],
            note=form.cleaned_data["note"],
        )
        closed = review.flags.filter(resolved_at__isnull=False).count()
        message = ngettext(
            "%(name)s is marked reviewed; %(count)d flag closed.",
            "%(name)s is marked reviewed; %(count)d flags closed.",
            closed,
        ) % {"name": patient.name or patient.user.email, "count": closed}
        if review.flags.filter(resolved_at__isnull=True).exists():
            message += " " + _(
                "The opioid's flag is acknowledged and stays open while the opioid blocks LDN."
            )
        messages.success(request, message)
    else:
        messages.error(request, next(iter(form.errors.values()))[0])
    return redirect(safe_next(request, default=reverse("provider_home")))
