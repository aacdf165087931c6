from django.utils import timezone

from portal.core.models import WorkerHeartbeat


def heartbeat_record(*, name: str, now=None) -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": now or timezone.now()}
    )
    return beat
