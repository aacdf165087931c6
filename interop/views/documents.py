"""Documents a person downloads: the LDN passport."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from interop.passport import passport_pdf, passport_read
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
