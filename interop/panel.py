"""The care team's panel as CSV: one row per patient on the provider's team now, with the
current dose, step, regimen status, opioid status, last diary day and open flags. Each
patient's inclusion is an access event."""

import csv
import io

from django.db.models import Prefetch
from django.utils import timezone

from patients.models import CareTeamMembership, Flag, Patient
from patients.selectors.diary import csv_safe
from portal.audit.models import AccessEvent
from regimens.models import Regimen, TitrationStep

HEADER = [
    "patient_id",
    "name",
    "email",
    "regimen_status",
    "current_dose_mg",
    "dose_time",
    "step",
    "steps_planned",
    "opioid_status",
    "last_diary_day",
    "open_flags",
    "most_urgent_flag",
]


def panel_csv(*, provider, path: str) -> str:
    on_team = CareTeamMembership.objects.filter(provider=provider, until__isnull=True).values(
        "patient_id"
    )
    regimens = Regimen.objects.filter(status__in=Regimen.OPEN).prefetch_related(
        Prefetch("steps", queryset=TitrationStep.objects.order_by("sequence"))
    )
    patients = (
        Patient.objects.filter(pk__in=on_team)
        .select_related("user", "status")
        .prefetch_related(Prefetch("regimens", queryset=regimens, to_attr="open_regimens"))
        .order_by("user__name", "pk")
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    now = timezone.now()
    events = []
    for patient in patients:
        regimen = patient.open_regimens[0] if patient.open_regimens else None
        step = regimen.current_step if regimen else None
        status = getattr(patient, "status", None)
        writer.writerow(
            [
                csv_safe(v)
                for v in (
                    patient.pk,
                    patient.user.name,
                    patient.user.email,
                    regimen.status if regimen else "",
                    step.dose_mg if step else "",
                    step.dose_time if step else "",
                    step.sequence if step else "",
                    len(regimen.steps.all()) if regimen else "",
                    status.opioid_state if status else "",
                    status.last_diary_on.isoformat() if status and status.last_diary_on else "",
                    status.open_flags if status else 0,
                    _severity(status.top_severity) if status else "",
                )
            ]
        )
        events.append(
            AccessEvent(
                actor=provider,
                actor_role=provider.role,
                patient=patient,
                action=AccessEvent.Action.EXPORT_PANEL,
                path=path[:300],
                at=now,
            )
        )
    AccessEvent.objects.bulk_create(events)
    return out.getvalue()


def _severity(value: int) -> str:
    return str(Flag.Severity(value).label) if value in Flag.Severity.values else ""
