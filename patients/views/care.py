"""Caregivers: the patient's page of caregivers (invite, change, end), a care-team
provider's invitation at the patient's request, and the caregiver's own home and switcher.

The patient's own pages that a caregiver may also use (Tonight, the dose log, the diary,
trends) resolve the record through patients.selectors.care.acting_patient."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients.forms.care import CaregiverInviteForm, CaregiverPermissionsForm
from patients.models import CaregiverInvitation
from patients.selectors import care as selectors
from patients.selectors.records import Purpose, own_patient, patient_for
from patients.services import care as services
from portal.accounts.decorators import role_required
from portal.accounts.models import Role
from portal.lib.forms import add_service_errors


def _invite(request, form, patient) -> bool:
    """Send the invitation from a valid form; False with the refusal on the form."""
    try:
        offer, _token = services.caregiver_invite(
            patient=patient,
            email=form.cleaned_data["email"],
            permissions=form.cleaned_data["permissions"],
            reminders=form.cleaned_data["reminders"],
            invited_by=request.user,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(
        request, _("Invitation sent to %(email)s.") % {"email": offer.invitation.email}
    )
    return True


@role_required(Role.PATIENT)
def caregivers(request):
    patient = own_patient(request.user)
    form = CaregiverInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _invite(request, form, patient):
        return redirect("caregivers")
    context = {
        "form": form,
        "grants": selectors.caregivers_of(patient=patient),
        "offers": selectors.caregiver_invitations_of(patient=patient)[:20],
        "now": timezone.now(),
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    return render(request, "patients/care/caregivers.html", context)


@role_required(Role.PATIENT)
def caregiver_edit(request, grant_pk):
    patient = own_patient(request.user)
    grant = selectors.caregiver_grant_of(patient=patient, pk=grant_pk)
    form = CaregiverPermissionsForm(
        request.POST or None,
        initial={"permissions": grant.permissions, "reminders": grant.reminders},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.caregiver_grant_update(
                grant=grant,
                permissions=form.cleaned_data["permissions"],
                reminders=form.cleaned_data["reminders"],
                changed_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("What %(name)s may do is changed, from now on.")
                % {"name": grant.caregiver.get_full_name()},
            )
            return redirect("caregivers")
    return render(request, "patients/care/edit.html", {"form": form, "grant": grant})


@require_POST
@role_required(Role.PATIENT)
def caregiver_end(request, grant_pk):
    patient = own_patient(request.user)
    grant = selectors.caregiver_grant_of(patient=patient, pk=grant_pk)
    services.caregiver_grant_end(grant=grant, ended_by=request.user)
    messages.success(
        request,
        _("%(name)s no longer has access to your record.")
        % {"name": grant.caregiver.get_full_name()},
    )
    return redirect("caregivers")


@require_POST
@role_required(Role.PATIENT)
def caregiver_invitation_revoke(request, offer_pk):
    patient = own_patient(request.user)
    try:
        offer = CaregiverInvitation.objects.select_related("invitation", "patient").get(
            pk=offer_pk, patient=patient
        )
    except (CaregiverInvitation.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if offer.invitation.state(timezone.now()) != "open":
        messages.info(
            request, _("This invitation is no longer open, so there is nothing to revoke.")
        )
    else:
        services.caregiver_invitation_revoke(offer=offer, revoked_by=request.user)
        messages.success(request, _("The invitation is revoked: its link no longer works."))
    return redirect("caregivers")


@role_required(Role.PROVIDER)
def patient_caregiver_invite(request, pk):
    """A care-team provider invites a caregiver at the patient's request."""
    patient = patient_for(request.user, pk, purpose=Purpose.VIEW_RECORD, path=request.path)
    form = CaregiverInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _invite(request, form, patient):
        return redirect("patient_record", pk=patient.pk)
    context = {
        "form": form,
        "patient": patient,
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    return render(request, "patients/care/provider_invite.html", context)


@role_required(Role.CAREGIVER)
def care_home(request):
    grants = list(selectors.open_grants(caregiver=request.user))
    return render(request, "patients/care/home.html", {"grants": grants})


@require_POST
@role_required(Role.CAREGIVER)
def care_switch(request):
    grant = selectors.grant_for(caregiver=request.user, patient_pk=request.POST.get("patient"))
    request.session[selectors.CARING_FOR] = grant.patient_id
    messages.success(
        request,
        _("You are now on %(name)s's record.") % {"name": grant.patient.name},
    )
    return redirect("care_home")
