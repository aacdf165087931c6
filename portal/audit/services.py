from django.utils import timezone

from portal.audit.models import AccessEvent


def access_record(
    *, actor, patient, action: str, path: str, via: str = "", own_too: bool = False
) -> AccessEvent | None:
    """Write an access event when someone other than the patient reads their record, and for
    every read through a connected app (`via`, the app's name), whoever's token it holds, or
    when `own_too` asks for it (the patient downloading all their data)."""
    if actor.pk == patient.user_id and not via and not own_too:
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
