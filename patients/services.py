"""Writes to patient records: one function per use case, each in one transaction."""

from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import CareTeamMembership, Condition, Flag, Medication, Patient
from portal.accounts.models import Role, User
from regimens.safety import screen_medication


def patient_create(*, user: User) -> Patient:
    if user.role != Role.PATIENT:
        raise ValueError("Only patients have a patient profile.")
    patient, _created = Patient.objects.get_or_create(user=user)
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
        from portal.notifications.services import reminders_replan_on_commit

        reminders_replan_on_commit(user)
    return patient


def _screen(medication: Medication) -> None:
    """Copy the screening result onto the medication (regimens.safety is the rule)."""
    result = screen_medication(
        medication.name,
        washout_days=settings.LDN["OPIOID_WASHOUT_DAYS"],
        maintenance_washout_days=settings.LDN["MAINTENANCE_OPIOID_WASHOUT_DAYS"],
    )
    medication.screening = result.action
    medication.opioid_ingredient = result.ingredient or ""
    medication.washout_days = result.washout_days
    medication.is_thyroid_hormone = result.is_thyroid_hormone


def _sync_opioid_flag(medication: Medication, now: datetime) -> None:
    """Open (or update) the care team's flag for an opioid; close it if the name changed."""
    cause = f"medication:{medication.pk}"
    flag = Flag.objects.filter(
        patient=medication.patient, kind=Flag.Kind.OPIOID, cause=cause, resolved_at__isnull=True
    ).first()
    if not medication.is_opioid:
        if flag:
            flag.resolved_at = now
            flag.resolution_note = _("The medication is no longer recognised as an opioid.")
            flag.save(update_fields=["resolved_at", "resolution_note"])
        return
    if medication.screening == Medication.Screening.BLOCK:
        severity = Flag.Severity.URGENT
        reason = _("%(name)s is an opioid (%(ingredient)s): naltrexone blocks it.") % {
            "name": medication.name,
            "ingredient": medication.opioid_ingredient,
        }
    else:
        severity = Flag.Severity.ATTENTION
        reason = _("%(name)s contains %(ingredient)s, an opioid that acts mainly in the gut.") % {
            "name": medication.name,
            "ingredient": medication.opioid_ingredient,
        }
    if medication.stopped_on:
        reason += " " + _("Stopped on %(date)s.") % {"date": medication.stopped_on.isoformat()}
    if flag:
        flag.severity, flag.reason = severity, reason[:300]
        flag.save(update_fields=["severity", "reason"])
    elif medication.is_active:
        flag = Flag.objects.create(
            patient=medication.patient,
            kind=Flag.Kind.OPIOID,
            severity=severity,
            reason=reason[:300],
            cause=cause,
            medication=medication,
            raised_at=now,
        )
        if severity == Flag.Severity.URGENT:
            _notify_care_team(flag, now)


def _notify_care_team(flag: Flag, now: datetime) -> None:
    """An urgent flag is a safety notice to every provider on the care team."""
    from portal.notifications.models import Kind
    from portal.notifications.services import notify_now

    for membership in flag.patient.memberships.filter(until__isnull=True).select_related(
        "provider"
    ):
        notify_now(
            recipient=membership.provider,
            kind=Kind.SAFETY,
            key=f"safety:flag:{flag.pk}:{membership.provider_id}",
            context={"flag": flag.pk},
            now=now,
        )


@transaction.atomic
def medication_add(
    *,
    patient: Patient,
    name: str,
    added_by: User,
    dose_text: str = "",
    started_on: date | None = None,
    now: datetime | None = None,
) -> Medication:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter the medication's name.")})
    medication = Medication(
        patient=patient,
        name=name,
        dose_text=dose_text.strip(),
        started_on=started_on,
        added_by=added_by,
    )
    _screen(medication)
    medication.save()
    _sync_opioid_flag(medication, now or timezone.now())
    return medication


@transaction.atomic
def medication_update(
    *,
    medication: Medication,
    name: str,
    dose_text: str,
    started_on: date | None,
    now: datetime | None = None,
) -> Medication:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter the medication's name.")})
    if started_on and medication.stopped_on and started_on > medication.stopped_on:
        # Without this the check constraint would turn it into a database error.
        raise ValidationError({"started_on": _("The start date cannot be after the stop date.")})
    medication.name = name
    medication.dose_text = dose_text.strip()
    medication.started_on = started_on
    _screen(medication)
    medication.save(
        update_fields=[
            "name",
            "dose_text",
            "started_on",
            "screening",
            "opioid_ingredient",
            "washout_days",
            "is_thyroid_hormone",
        ]
    )
    _sync_opioid_flag(medication, now or timezone.now())
    return medication


@transaction.atomic
def medication_stop(*, medication: Medication, stopped_on: date, now: datetime | None = None):
    """Stop a medication. For an opioid, the washout clock starts on `stopped_on`."""
    if medication.started_on and stopped_on < medication.started_on:
        raise ValidationError({"stopped_on": _("The stop date cannot be before the start date.")})
    medication.stopped_on = stopped_on
    medication.save(update_fields=["stopped_on"])
    _sync_opioid_flag(medication, now or timezone.now())
    return medication


@transaction.atomic
def flag_review(*, flag: Flag, reviewed_by: User, note: str = "", now=None) -> Flag:
    """A provider has looked at the flag: close it, keeping who, when and the note."""
    if flag.resolved_at is None:
        flag.resolved_at = now or timezone.now()
        flag.resolved_by = reviewed_by
        flag.resolution_note = note.strip()[:500]
        flag.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    return flag
