"""Caregivers: the patient (or a provider on their care team, at the patient's request)
invites one by e-mail with the permissions the patient chose; the invited person accepts;
the patient changes or ends their access at any time."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.models import CaregiverGrant, CaregiverInvitation, CareTeamMembership, Patient
from portal.accounts.models import Invitation, Role, User
from portal.accounts.services import INVITATION_UNUSABLE, invitation_create, invitation_revoke
from portal.notifications.services import reminders_replan_on_commit

Permission = CaregiverGrant.Permission
NO_PERMISSION = gettext_lazy("Choose at least one thing the caregiver may do.")


def _permission_fields(permissions: Iterable[str]) -> dict[str, bool]:
    chosen = set(permissions)
    unknown = chosen - set(Permission.values)
    if unknown:
        raise ValueError(f"unknown caregiver permissions: {sorted(unknown)}")
    if not chosen:
        raise ValidationError({"permissions": NO_PERMISSION})
    return {field: permission in chosen for permission, field in CaregiverGrant.FIELDS.items()}


def _reminder_fields(reminders: Iterable[str]) -> dict[str, bool]:
    chosen = set(reminders)
    unknown = chosen - set(CaregiverGrant.REMINDER_FIELDS)
    if unknown:
        raise ValueError(f"unknown caregiver reminders: {sorted(unknown)}")
    return {field: kind in chosen for kind, field in CaregiverGrant.REMINDER_FIELDS.items()}


def _on_care_team(*, provider: User, patient: Patient) -> bool:
    return CareTeamMembership.objects.filter(
        provider=provider, patient=patient, until__isnull=True
    ).exists()


def _may_act_for(user: User, patient: Patient) -> bool:
    """The patient themselves, or a provider on their care team."""
    if user.role == Role.PATIENT:
        return user.pk == patient.user_id
    return user.role == Role.PROVIDER and _on_care_team(provider=user, patient=patient)


@transaction.atomic
def caregiver_invite(
    *,
    patient: Patient,
    email: str,
    permissions: Iterable[str],
    invited_by: User,
    reminders: Iterable[str] = (),
    now=None,
) -> tuple[CaregiverInvitation, str]:
    """Invite a caregiver for `patient` with the permissions the patient chose. Returns the
    invitation and the link's token. An address that belongs to a patient, provider or admin
    is refused (a caregiver logs in with an account of their own)."""
    if not _may_act_for(invited_by, patient):
        raise PermissionDenied
    fields = _permission_fields(permissions) | _reminder_fields(reminders)
    email = User.objects.normalize_email(email).strip().lower()
    if email == patient.user.email.lower():
        raise ValidationError({"email": _("This is the patient's own address.")})
    already = CaregiverGrant.objects.filter(
        patient=patient, caregiver__email__iexact=email, ended_at__isnull=True
    )
    if already.exists():
        raise ValidationError(
            {
                "email": _(
                    "This caregiver already has access. Change what they may do in the list "
                    "of caregivers."
                )
            }
        )
    invitation, token = invitation_create(
        email=email, role=Role.CAREGIVER, invited_by=invited_by, now=now
    )
    return CaregiverInvitation.objects.create(
        invitation=invitation, patient=patient, **fields
    ), token


def caregiver_on_invitation_accepted(*, invitation: Invitation, user: User, now: datetime) -> None:
    """The accepted invitation's grant (registered with portal.accounts in patients.apps).

    A provider's invitation works only while they are still on the patient's care team.
    """
    if invitation.role != Role.CAREGIVER:
        return
    offer = CaregiverInvitation.objects.select_related("patient__user").get(invitation=invitation)
    if not _may_act_for(invitation.invited_by, offer.patient) or not offer.patient.user.is_active:
        raise ValidationError(INVITATION_UNUSABLE)
    names = [*CaregiverGrant.FIELDS.values(), *CaregiverGrant.REMINDER_FIELDS.values()]
    fields = {name: getattr(offer, name) for name in names}
    reminders_replan_on_commit(user)
    grant = CaregiverGrant.objects.filter(
        patient=offer.patient, caregiver=user, ended_at__isnull=True
    ).first()
    if grant is not None:
        for name, value in fields.items():
            setattr(grant, name, value)
        grant._change_reason = "invitation accepted"
        grant.save(update_fields=list(fields))
        return
    grant = CaregiverGrant(
        patient=offer.patient, caregiver=user, since=now, granted_by=invitation.invited_by, **fields
    )
    grant._change_reason = "invitation accepted"
    grant.save()


@transaction.atomic
def caregiver_grant_update(
    *,
    grant: CaregiverGrant,
    permissions: Iterable[str],
    changed_by: User,
    reminders: Iterable[str] | None = None,
) -> CaregiverGrant:
    """The patient changes what the caregiver may do (and, when given, which reminders they
    get); the next request sees it, and the caregiver's reminders are planned again."""
    if changed_by.pk != grant.patient.user_id:
        raise PermissionDenied
    fields = _permission_fields(permissions)
    if reminders is not None:
        fields |= _reminder_fields(reminders)
    grant = CaregiverGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.ended_at is not None:
        raise ValidationError(_("This caregiver's access has ended."))
    for name, value in fields.items():
        setattr(grant, name, value)
    grant._change_reason = "permissions changed"
    grant.save(update_fields=list(fields))
    reminders_replan_on_commit(grant.caregiver)
    return grant


@transaction.atomic
def caregiver_grant_end(*, grant: CaregiverGrant, ended_by: User, now=None) -> CaregiverGrant:
    """The patient ends the caregiver's access: from the next request they see nothing."""
    if ended_by.pk != grant.patient.user_id:
        raise PermissionDenied
    now = now or timezone.now()
    grant = CaregiverGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.ended_at is None:
        grant.ended_at = now
        grant.ended_by = ended_by
        grant._change_reason = "ended"
        grant.save(update_fields=["ended_at", "ended_by"])
        reminders_replan_on_commit(grant.caregiver)
    return grant


@transaction.atomic
def caregiver_invitation_revoke(*, offer: CaregiverInvitation, revoked_by: User, now=None):
    """The patient withdraws an invitation sent for them, whoever sent it."""
    if not _may_act_for(revoked_by, offer.patient):
        raise PermissionDenied
    return invitation_revoke(invitation=offer.invitation, now=now)
