"""Documents a person downloads: the LDN passport, and all their data."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from interop.models import DataExport
from interop.panel import panel_csv
from interop.passport import passport_pdf, passport_read
from interop.selectors import data_exports
from interop.services import data_export_download, data_export_request
from interop.summary import summary_pdf, summary_read
from patients.selectors.records import Purpose, own_patient, patient_for
from portal.accounts.decorators import role_required
from portal.accounts.models import Role


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@role_required(Role.PATIENT)
def my_passport(request):
    patient = own_patient(request.user)
    return _pdf(passport_pdf(passport_read(patient)), "ldn-passport.pdf")


@require_GET
@role_required(Role.PROVIDER)
def patient_passport(request, pk):
    patient = patient_for(request.user, pk, purpose=Purpose.PASSPORT, path=request.path)
    return _pdf(passport_pdf(passport_read(patient)), f"ldn-passport-{patient.pk}.pdf")


@role_required(Role.PATIENT)
def my_data(request):
    """Profile → Download my data: ask for a zip of everything, see it being prepared, and
    download it (once, within 24 hours)."""
    patient = own_patient(request.user)
    if request.method == "POST":
        data_export_request(patient=patient, requested_by=request.user)
        return redirect("my_data")
    return render(request, "interop/my_data.html", {"exports": data_exports(patient)[:5]})


@require_GET
@role_required(Role.PATIENT)
def my_data_progress(request, export_pk):
    patient = own_patient(request.user)
    export = get_object_or_404(DataExport, pk=export_pk, patient=patient)
    return render(request, "interop/_export_row.html", {"export": export})


@require_GET
@role_required(Role.PATIENT)
def my_data_file(request, export_pk):
    patient = own_patient(request.user)
    get_object_or_404(DataExport, pk=export_pk, patient=patient)
    data = data_export_download(export_id=export_pk, actor=request.user, path=request.path)
    if data is None:
        messages.error(
            request,
            _(
                "That download is no longer available: each one works once, for 24 hours. "
                "Ask for a new one."
            ),
        )
        return redirect("my_data")
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="ldn-portal-my-data.zip"'
    return response


@require_GET
@role_required(Role.PROVIDER)
def panel_export(request):
    """The provider's care team as CSV (each patient's inclusion is in their access log)."""
    response = HttpResponse(
        panel_csv(provider=request.user, path=request.path), content_type="text/csv"
    )
    response["Content-Disposition"] = 'attachment; filename="ldn-panel.csv"'
    return response


@require_GET
@role_required(Role.PROVIDER)
def visit_summary(request, pk):
    patient = patient_for(request.user, pk, purpose=Purpose.VISIT_SUMMARY, path=request.path)
    data = summary_pdf(summary_read(patient))
    return _pdf(data, f"visit-summary-{patient.pk}.pdf")
