"""The patient's profile and care team: creating the profile, onboarding, profile changes,
joining and leaving the care team."""

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import CareTeamMembership, Condition, Patient
from patients.services.medications import medication_add
from patients.status import status_refresh
from portal.accounts.models import Role, User
from portal.notifications.services import reminders_replan_on_commit


def patient_create(*, user: User) -> Patient:
    if user.role != Role.PATIENT:
        raise ValueError("Only patients have a patient profile.")
    patient, created = Patient.objects.get_or_create(user=user)
    if created:
        status_refresh(patient=patient)  # every patient has a status row from the start
    return patient


@transaction.atomic
def care_team_add(
    *, patient: Patient, provider: User, added_by: User, now=None
) -> CareTeamMembership:
    """Put a provider on the patient's care team (a no-op when already on it)."""
    if provider.role != Role.PROVIDER:
        raise ValidationError({"provider": _("Only providers can join a care team.")})
    membership = CareTeamMembership.objects.filter(
        patient=patient, provider=provider, until__isnull=True
    ).first()
    if membership:
        return membership
    return CareTeamMembership.objects.create(
        patient=patient, provider=provider, since=now or timezone.now(), added_by=added_by
    )


@transaction.atomic
def care_team_end(*, membership: CareTeamMembership, now=None) -> CareTeamMembership:
    """End a membership: from now on the provider cannot open the patient's record."""
    if membership.until is None:
        membership.until = now or timezone.now()
        membership.save(update_fields=["until"])
    return membership


@transaction.atomic
def onboarding_complete(
    *,
    patient: Patient,
    date_of_birth: date,
    timezone_name: str,
    bedtime: time,
    conditions: list[Condition],
    other_condition: str,
    pharmacy_name: str,
    pharmacy_phone: str,
    medications: list[str],
    now: datetime | None = None,
) -> Patient:
    """Save the first-login profile, the acknowledgement and the current medications."""
    now = now or timezone.now()
    profile_update(
        patient=patient,
        date_of_birth=date_of_birth,
        timezone_name=timezone_name,
        bedtime=bedtime,
        conditions=conditions,
        other_condition=other_condition,
        pharmacy_name=pharmacy_name,
        pharmacy_phone=pharmacy_phone,
    )
    for name in medications:
        medication_add(patient=patient, name=name, added_by=patient.user, now=now)
    patient.off_label_acknowledged_at = now
    patient.onboarded_at = now
    patient.save(update_fields=["off_label_acknowledged_at", "onboarded_at"])
    return patient


@transaction.atomic
def profile_update(
    *,
    patient: Patient,
    date_of_birth: date,
    timezone_name: str,
    bedtime: time,
    conditions: list[Condition],
    other_condition: str,
    pharmacy_name: str,
    pharmacy_phone: str,
) -> Patient:
    reminder_times_change = patient.bedtime != bedtime or patient.user.timezone != timezone_name
    patient.date_of_birth = date_of_birth
    patient.bedtime = bedtime
    patient.other_condition = other_condition
    patient.pharmacy_name = pharmacy_name
    patient.pharmacy_phone = pharmacy_phone
    patient.save(
        update_fields=[
            "date_of_birth",
            "bedtime",
            "other_condition",
            "pharmacy_name",
            "pharmacy_phone",
        ]
    )
    patient.conditions.set(conditions)
    user = patient.user
    if user.timezone != timezone_name:
        user.timezone = timezone_name
        user.save(update_fields=["timezone"])
    if reminder_times_change:
        # Caregivers who get the dose reminder get it at the patient's dose time too.
        caregivers = User.objects.filter(
            care_grants__patient=patient,
            care_grants__ended_at__isnull=True,
            care_grants__remind_dose=True,
        )
        reminders_replan_on_commit(user, *caregivers)
    status_refresh(patient=patient)
    return patient


def patient_on_account_created(*, user: User, invited_by: User | None, now: datetime) -> None:
    """A new patient account gets its profile, and joins the care team of the provider who
    invited them. Registered with portal.accounts (patients.apps) for every new account."""
    if user.role != Role.PATIENT:
        return
    patient = patient_create(user=user)
    if invited_by is not None and invited_by.role == Role.PROVIDER:
        care_team_add(patient=patient, provider=invited_by, added_by=invited_by, now=now)
