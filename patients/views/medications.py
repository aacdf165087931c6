"""The medication list, served twice: to the patient (no pk) and to their care team (pk).

Each route is for one role; anyone else logged in gets 403, as on the other pages of that
role (a caregiver 404: no permission covers medications). A provider reaches a patient only
while on the care team (patient_for: 404 otherwise), and a medication only through that
patient (404 for anyone else's).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from patients.forms.medications import MedicationForm, MedicationStopForm
from patients.models import Medication, Patient
from patients.selectors.medications import opioid_washout_ends
from patients.selectors.records import Purpose, medication_for, own_patient, patient_for
from patients.services.medications import medication_add, medication_update
from patients.services.medications import medication_stop as stop_medication
from portal.accounts.models import Role
from portal.lib.timing import local_today

# Warnings on the list, most serious first: opioids that block LDN (taken now before
# stopped), then loperamide, then thyroid notes.
WARNING_ORDER = {Medication.Screening.BLOCK: 0, Medication.Screening.WARN: 1}


def _patient_in_scope(request, pk) -> Patient:
    if request.user.role == Role.CAREGIVER:
        raise Http404  # no caregiver permission covers the medication list
    if request.user.role != (Role.PATIENT if pk is None else Role.PROVIDER):
        raise PermissionDenied
    if pk is None:
        return own_patient(request.user)
    return patient_for(request.user, pk, purpose=Purpose.VIEW_MEDICATIONS, path=request.path)


def _medication_in_scope(request, pk, med_pk):
    patient = _patient_in_scope(request, pk)
    return patient, medication_for(request.user, med_pk, patient=patient)


def _list_url(pk) -> str:
    if pk is None:
        return reverse("medication_list")
    return reverse("patient_medication_list", args=[pk])


def _page(request, template, patient, pk, **context):
    today = local_today(patient)
    return render(
        request,
        template,
        {"patient": patient, "pk": pk, "today": today, "list_url": _list_url(pk), **context},
    )


@login_required
def medication_list(request, pk=None):
    patient = _patient_in_scope(request, pk)
    form = MedicationForm(request.POST or None, today=local_today(patient))
    if request.method == "POST" and form.is_valid():
        medication = medication_add(patient=patient, added_by=request.user, **form.cleaned_data)
        messages.success(request, _("%(name)s is on the list.") % {"name": medication.name})
        return redirect(_list_url(pk))
    medications = list(patient.medications.all())
    for medication in medications:
        medication.washout_ends = opioid_washout_ends(medication)
    return _page(
        request,
        "patients/medications/list.html",
        patient,
        pk,
        form=form,
        current=[m for m in medications if m.is_active],
        stopped=sorted(
            (m for m in medications if not m.is_active), key=lambda m: m.stopped_on, reverse=True
        ),
        flagged=sorted(
            (
                m
                for m in medications
                if m.is_opioid or m.is_thyroid_hormone or m.is_full_dose_naltrexone
            ),
            key=lambda m: (WARNING_ORDER.get(m.screening, len(WARNING_ORDER)), not m.is_active),
        ),
    )


@login_required
def medication_edit(request, med_pk, pk=None):
    patient, medication = _medication_in_scope(request, pk, med_pk)
    form = MedicationForm(request.POST or None, today=local_today(patient), medication=medication)
    if request.method == "POST" and form.is_valid():
        try:
            medication_update(medication=medication, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is updated.") % {"name": medication.name})
            return redirect(_list_url(pk))
    medication.washout_ends = opioid_washout_ends(medication)
    return _page(
        request, "patients/medications/edit.html", patient, pk, form=form, medication=medication
    )


@login_required
def medication_stop(request, med_pk, pk=None):
    patient, medication = _medication_in_scope(request, pk, med_pk)
    form = MedicationStopForm(
        request.POST or None, today=local_today(patient), medication=medication
    )
    if request.method == "POST" and form.is_valid():
        try:
            stop_medication(medication=medication, stopped_on=form.cleaned_data["stopped_on"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is stopped.") % {"name": medication.name})
            return redirect(_list_url(pk))
    return _page(
        request, "patients/medications/stop.html", patient, pk, form=form, medication=medication
    )
