"""The medication list: adding, correcting and stopping medications, each screened for opioids
and thyroid hormones (patients.rules.medications). An opioid raises the care team's urgent
flag and safety notice; stopping it starts the washout clock."""

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.models import Flag, Medication, Patient
from patients.rules.medications import screen_medication
from patients.services.flags import flag_raise
from patients.status import status_refresh
from portal.accounts.models import User
from portal.lib.formats import day
from portal.lib.language import in_portal_language

NO_NAME = gettext_lazy("Enter the medication's name.")


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
    medication.is_full_dose_naltrexone = result.full_dose_naltrexone


@in_portal_language
def _sync_naltrexone_flag(medication: Medication, now: datetime) -> None:
    """Full-dose naltrexone on the list while LDN is taken is a duplicate therapy: an urgent
    flag for the care team while it is taken; closed when it is stopped or renamed."""
    cause = f"naltrexone:{medication.pk}"
    flag = Flag.objects.filter(
        patient=medication.patient,
        kind=Flag.Kind.FULL_DOSE_NALTREXONE,
        cause=cause,
        resolved_at__isnull=True,
    ).first()
    if medication.is_full_dose_naltrexone and medication.is_active:
        if flag is None:
            flag_raise(
                patient=medication.patient,
                kind=Flag.Kind.FULL_DOSE_NALTREXONE,
                severity=Flag.Severity.URGENT,
                reason=_(
                    "%(name)s is naltrexone at a full dose, a duplicate of the LDN: check which "
                    "one the patient should take."
                )
                % {"name": medication.name},
                cause=cause,
                medication=medication,
                now=now,
            )
    elif flag is not None:
        flag.resolved_at = now
        flag.resolution_note = _("The full-dose naltrexone is no longer taken.")
        flag._change_reason = "cleared"
        flag.save(update_fields=["resolved_at", "resolution_note"])


def _after_change(medication: Medication, now: datetime) -> None:
    _sync_opioid_flag(medication, now)
    _sync_naltrexone_flag(medication, now)
    status_refresh(patient=medication.patient, now=now)


@in_portal_language
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
        reason += " " + _("Stopped on %(date)s.") % {"date": day(medication.stopped_on)}
    if flag:
        flag.severity, flag.reason = severity, reason[:300]
        flag.save(update_fields=["severity", "reason"])
    elif medication.is_active:
        flag_raise(
            patient=medication.patient,
            kind=Flag.Kind.OPIOID,
            severity=severity,
            reason=reason,
            cause=cause,
            medication=medication,
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
        raise ValidationError({"name": NO_NAME})
    medication = Medication(
        patient=patient,
        name=name,
        dose_text=dose_text.strip(),
        started_on=started_on,
        added_by=added_by,
    )
    _screen(medication)
    medication.save()
    _after_change(medication, now or timezone.now())
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
        raise ValidationError({"name": NO_NAME})
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
            "is_full_dose_naltrexone",
        ]
    )
    _after_change(medication, now or timezone.now())
    return medication


@transaction.atomic
def medication_stop(*, medication: Medication, stopped_on: date, now: datetime | None = None):
    """Stop a medication. For an opioid, the washout clock starts on `stopped_on`."""
    if medication.started_on and stopped_on < medication.started_on:
        raise ValidationError({"stopped_on": _("The stop date cannot be before the start date.")})
    medication.stopped_on = stopped_on
    medication.save(update_fields=["stopped_on"])
    _after_change(medication, now or timezone.now())
    return medication
