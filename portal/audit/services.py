from django.utils import timezone

from portal.audit.models import AccessEvent


def access_record(*, actor, patient, action: str, path: str, via: str = "") -> AccessEvent | None:
    """Write an access event when someone other than the patient reads their record, and for
    every read through a connected app (`via`, the app's name), whoever's token it holds."""
    if actor.pk == patient.user_id and not via:
        return None
    return AccessEvent.objects.create(
        actor=actor,
        actor_role=actor.role,
        patient=patient,
        action=action,
        path=path[:300],
        via=via[:255],
        at=timezone.now(),
    )
