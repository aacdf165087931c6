from django.utils import timezone

from portal.audit.models import AccessEvent


def access_record(*, actor, patient, action: str, path: str) -> AccessEvent | None:
    """Write an access event when someone other than the patient reads their record."""
    if actor.pk == patient.user_id:
        return None
    return AccessEvent.objects.create(
        actor=actor,
        actor_role=actor.role,
        patient=patient,
        action=action,
        path=path[:300],
        at=timezone.now(),
    )
