from django.utils import timezone

from patients.models import Flag
from portal.notifications.models import Notification


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
