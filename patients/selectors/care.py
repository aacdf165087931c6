"""Caregivers: whose records a caregiver may act on, and with which permissions.

A caregiver acts on one patient's record at a time (the one chosen in the switcher, kept in
the session). Every caregiver page asks `acting_patient` for the patient with the permission
the page needs: the grant is read on every request, so a change or an ended grant applies at
once, and anything not granted answers 404. Each read writes the access event.
"""

from django.db.models import QuerySet
from django.http import Http404

from patients.models import CaregiverGrant, CaregiverInvitation, Patient
from patients.selectors.records import own_patient
from portal.accounts.models import Role
from portal.audit.services import access_record

Permission = CaregiverGrant.Permission

# The session key holding the patient the caregiver chose in the switcher.
CARING_FOR = "caring_for"


def open_grants(*, caregiver) -> QuerySet[CaregiverGrant]:
    """The caregiver's open grants, by the patient's name."""
    if not caregiver.is_authenticated or not caregiver.is_active or not caregiver.is_caregiver:
        return CaregiverGrant.objects.none()
    return (
        CaregiverGrant.objects.filter(caregiver=caregiver, ended_at__isnull=True)
        .select_related("patient__user")
        .order_by("patient__user__name", "pk")
    )


def current_grant(request) -> CaregiverGrant | None:
    """The open grant for the patient the caregiver is on: the one chosen in the switcher, or
    their first while none is chosen (or the chosen one has ended)."""
    grants = open_grants(caregiver=request.user)
    chosen = request.session.get(CARING_FOR)
    grant = grants.filter(patient_id=chosen).first() if chosen else None
    return grant or grants.first()


def grant_for(*, caregiver, patient_pk) -> CaregiverGrant:
    """The caregiver's open grant for patient `patient_pk`; 404 for any other."""
    try:
        return open_grants(caregiver=caregiver).get(patient_id=patient_pk)
    except (CaregiverGrant.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def acting_patient(request, *, permission: str, purpose: str) -> Patient:
    """The patient whose record this page shows: the patient themselves, or the patient the
    caregiver is on when their grant allows `permission` (404 otherwise, with an access event
    written for `purpose` when allowed)."""
    user = request.user
    if user.role == Role.PATIENT:
        return own_patient(user)
    if user.role != Role.CAREGIVER:
        raise Http404
    grant = current_grant(request)
    if grant is None or not grant.allows(permission):
        raise Http404
    patient = grant.patient
    access_record(actor=user, patient=patient, action=purpose, path=request.path)
    return patient


def permissions_of(request) -> dict[str, bool] | None:
    """For a caregiver's pages: which parts of the current patient's record they may use
    (None for anyone else, who is not acting for someone)."""
    if not request.user.is_authenticated or request.user.role != Role.CAREGIVER:
        return None
    grant = current_grant(request)
    if grant is None:
        return dict.fromkeys(Permission.values, False)
    return {permission: grant.allows(permission) for permission in Permission.values}


def caregivers_of(*, patient: Patient) -> QuerySet[CaregiverGrant]:
    """The patient's caregivers with open access, by name."""
    return (
        CaregiverGrant.objects.filter(patient=patient, ended_at__isnull=True)
        .select_related("caregiver")
        .order_by("caregiver__name", "pk")
    )


def caregiver_invitations_of(*, patient: Patient) -> QuerySet[CaregiverInvitation]:
    """Invitations to caregivers sent for the patient, newest first."""
    return (
        CaregiverInvitation.objects.filter(patient=patient)
        .select_related("invitation__invited_by")
        .order_by("-invitation__created_at", "-pk")
    )


def caregiver_grant_of(*, patient: Patient, pk) -> CaregiverGrant:
    """One of the patient's open grants; 404 for any other."""
    try:
        return caregivers_of(patient=patient).get(pk=pk)
    except (CaregiverGrant.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
