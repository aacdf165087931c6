"""The patient's own pages: first-login onboarding, the profile and who viewed the record."""

import zoneinfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from patients.forms import OnboardingForm, ProfileForm, local_today
from patients.models import Medication
from patients.selectors import access_events_for, own_patient, record_for
from patients.services import onboarding_complete, profile_update
from portal.accounts.models import Role
from portal.core.decorators import role_required

ACCESS_LOG_PAGE_SIZE = 50


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
    patient = record_for(request.user, own_patient(request.user).pk)
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
    page = Paginator(access_events_for(patient=patient), ACCESS_LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    roles = dict(Role.choices)
    for event in page:
        event.role_label = roles.get(event.actor_role, event.actor_role)
    return render(
        request,
        "patients/access_log.html",
        {"page": page, "zone": zoneinfo.ZoneInfo(request.user.timezone)},
    )
