"""The patient's own pages: first-login onboarding, the profile and who viewed the record."""

import zoneinfo

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from patients.forms.profile import OnboardingForm, ProfileForm
from patients.models import Medication
from patients.selectors.records import access_visit, access_visits, own_patient, with_record
from patients.services.profile import onboarding_complete, profile_update
from portal.accounts.decorators import role_required
from portal.accounts.models import Role
from portal.lib.timing import local_today


@role_required(Role.PATIENT)
def onboarding(request):
    patient = own_patient(request.user)
    if patient.is_onboarded:
        return redirect("profile")
    form = OnboardingForm(request.POST or None, patient=patient, today=local_today(request.user))
    if request.method == "POST" and form.is_valid():
        onboarding_complete(
            patient=patient,
            **form.profile_values(),
            medications=form.cleaned_data["medications"],
        )
        messages.success(request, _("Welcome! Your profile is saved."))
        # An opioid on the list: show its warning straight away.
        if patient.medications.exclude(screening=Medication.Screening.NONE).exists():
            return redirect("medication_list")
        return redirect("home")
    return render(request, "patients/onboarding.html", {"form": form})


@role_required(Role.PATIENT)
def profile(request):
    patient = with_record(own_patient(request.user))
    form = ProfileForm(request.POST or None, patient=patient, today=local_today(request.user))
    if request.method == "POST" and form.is_valid():
        profile_update(patient=patient, **form.profile_values())
        messages.success(request, _("Your profile is saved."))
        return redirect("profile")
    return render(
        request,
        "patients/profile.html",
        {
            "form": form,
            "patient": patient,
            "care_team": patient.care_team,
            "condition_slugs": [condition.slug for condition in patient.conditions.all()],
        },
    )


@role_required(Role.PATIENT)
def access_log(request):
    patient = own_patient(request.user)
    page, visits = access_visits(patient=patient, page=request.GET.get("page"))
    return render(
        request,
        "patients/access_log.html",
        {
            "page": page,
            "visits": visits,
            "zone": zoneinfo.ZoneInfo(request.user.timezone),
        },
    )


@role_required(Role.PATIENT)
def access_visit_log(request, actor, day):
    """Every time one person opened the patient's record on one day (the log lists the
    newest of them)."""
    patient = own_patient(request.user)
    times, visit = access_visit(patient=patient, actor=actor, day=day, page=request.GET.get("page"))
    return render(
        request,
        "patients/access_visit.html",
        {"page": times, "visit": visit, "zone": zoneinfo.ZoneInfo(request.user.timezone)},
    )
