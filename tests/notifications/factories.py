from decimal import Decimal

from django.utils import timezone

from patients.models import Flag
from portal.notifications.models import Notification
from regimens.models import Protocol
from regimens.safety import Formulation
from regimens.services.start import regimen_start
from tests.regimens.seeds import ensure_protocols

WEEKLY_PROTOCOL = "ldnrt-1-mg-weekly"  # 1, 2, 3, 4, 4.5 mg every 7 days


def safety_flags(patient, count: int):
    now = timezone.now()
    return Flag.objects.bulk_create(
        Flag(
            patient=patient,
            kind=Flag.Kind.OPIOID,
            severity=Flag.Severity.URGENT,
            reason="Test opioid flag",
            cause=f"test:{i}",
            raised_at=now,
        )
        for i in range(count)
    )


def due_safety_notices(*, provider, flags, channel="in_app", due_at=None):
    """One due safety notice per flag, as the planner would write them."""
    due_at = due_at or timezone.now()
    return Notification.objects.bulk_create(
        Notification(
            recipient=provider,
            kind="safety",
            channel=channel,
            due_at=due_at,
            dedupe_key=f"safety:flag:{flag.pk}:{provider.pk}:{channel}",
            context={"flag": flag.pk},
        )
        for flag in flags
    )


def start_regimen(patient, provider, *, start_on, dose_time="bedtime", family=WEEKLY_PROTOCOL):
    """A 1 mg/mL liquid regimen from `start_on`, through the service (steps planned)."""
    ensure_protocols()
    return regimen_start(
        patient=patient,
        protocol=Protocol.objects.get(family=family, retired_at__isnull=True),
        formulation=Formulation(kind="liquid", concentration_mg_per_ml=Decimal("1")),
        dose_time=dose_time,
        start_on=start_on,
        started_by=provider,
        today=start_on,
    )


def rows(user, kind, **filters):
    return Notification.objects.filter(recipient=user, kind=kind, **filters)
