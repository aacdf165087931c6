"""Reads of patient records, always scoped to the viewer.

Anything a viewer may not see answers 404, never 403: a record's existence is not told to
someone who may not read it.
"""

import zoneinfo
from datetime import date, timedelta

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from patients.models import CareTeamMembership, Flag, Medication, Patient
from portal.accounts.models import Role
from portal.audit.models import AccessEvent


def visible_patients(viewer) -> QuerySet[Patient]:
    """The patients whose records this viewer may read."""
    if not viewer.is_authenticated or not viewer.is_active:
        return Patient.objects.none()
    if viewer.role == Role.PATIENT:
        return Patient.objects.filter(user=viewer)
    if viewer.role == Role.PROVIDER:
        on_team = CareTeamMembership.objects.filter(provider=viewer, until__isnull=True).values(
            "patient_id"
        )
        return Patient.objects.filter(pk__in=on_team)
    return Patient.objects.none()


def patient_for(viewer, pk) -> Patient:
    try:
        return visible_patients(viewer).select_related("user").get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def own_patient(viewer) -> Patient:
    """The patient profile of a patient viewer."""
    try:
        return Patient.objects.select_related("user").get(user=viewer)
    except Patient.DoesNotExist:
        raise Http404 from None


def patients_for_provider(*, provider, search: str = "") -> QuerySet[Patient]:
    """The provider's care-team patients, most urgent open flag first, then by name."""
    patients = (
        visible_patients(provider)
        .select_related("user")
        .annotate(
            open_flags=Count("flags", filter=Q(flags__resolved_at__isnull=True)),
            top_severity=Max("flags__severity", filter=Q(flags__resolved_at__isnull=True)),
        )
        .prefetch_related("conditions")
    )
    search = search.strip()
    if search:
        patients = patients.filter(
            Q(user__name__icontains=search)
            | Q(user__email__icontains=search)
            | Q(conditions__name__icontains=search)
        ).distinct()
    return patients.order_by("-top_severity", "user__name", "pk")


def record_for(viewer, pk) -> Patient:
    """A patient with what the record page shows, loaded in a fixed number of queries."""
    patient = patient_for(viewer, pk)
    return (
        Patient.objects.select_related("user")
        .prefetch_related(
            "conditions",
            Prefetch("medications", queryset=Medication.objects.order_by("stopped_on", "name")),
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(resolved_at__isnull=True),
                to_attr="open_flag_list",
            ),
            Prefetch(
                "memberships",
                queryset=CareTeamMembership.objects.filter(until__isnull=True).select_related(
                    "provider"
                ),
                to_attr="care_team",
            ),
        )
        .get(pk=patient.pk)
    )


def medication_for(viewer, pk) -> Medication:
    try:
        return (
            Medication.objects.select_related("patient__user")
            .filter(patient__in=visible_patients(viewer))
            .get(pk=pk)
        )
    except (Medication.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def flag_for(viewer, pk) -> Flag:
    try:
        return (
            Flag.objects.select_related("patient")
            .filter(patient__in=visible_patients(viewer))
            .get(pk=pk)
        )
    except (Flag.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def opioid_washout_ends(medication: Medication) -> date | None:
    """The first opioid-free day counted from the stop date, or None while it is taken."""
    if medication.stopped_on is None:
        return None
    return medication.stopped_on + timedelta(days=medication.washout_days)


def opioid_block(*, patient: Patient, today: date) -> list[Medication]:
    """Opioids that stand in the way of starting LDN today: taken now, or inside the washout.

    Source: naltrexone label (opioid-free 7-10 days; up to 2 weeks after methadone or
    buprenorphine). Loperamide only warns and never blocks.
    """
    blocking = []
    for medication in patient.medications.filter(screening=Medication.Screening.BLOCK):
        ends = opioid_washout_ends(medication)
        if ends is None or ends > today:
            blocking.append(medication)
    return blocking


def access_events_for(*, patient: Patient) -> QuerySet[AccessEvent]:
    return AccessEvent.objects.filter(patient=patient).select_related("actor")


def local_today(patient: Patient) -> date:
    """Today's date where the patient lives."""
    return timezone.localtime(timezone=zoneinfo.ZoneInfo(patient.user.timezone)).date()
