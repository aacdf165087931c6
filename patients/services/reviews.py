"""The care team marks a patient reviewed: a note kept with who and when, and the flags it
closes."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from patients.models import Flag, Patient, Review
from patients.services.flags import flag_close_or_acknowledge
from patients.status import status_refresh
from portal.accounts.models import Role, User


@transaction.atomic
def review_record(
    *,
    patient: Patient,
    reviewed_by: User,
    flags: Iterable[Flag] = (),
    note: str = "",
    now: datetime | None = None,
) -> Review:
    """A provider marks the patient reviewed: the note is kept with who and when, and the
    flags it covers (those shown to the provider, or the ones they ticked) are closed with
    it. A flag someone else closed meanwhile stays as they left it."""
    if reviewed_by.role != Role.PROVIDER:
        raise ValueError("Only providers review patients.")
    now = now or timezone.now()
    note = note.strip()[:500]
    review = Review.objects.create(
        patient=patient, reviewed_by=reviewed_by, reviewed_at=now, note=note
    )
    closing = list(
        Flag.objects.select_for_update().filter(
            pk__in=[f.pk for f in flags], patient=patient, resolved_at__isnull=True
        )
    )
    for flag in closing:
        flag_close_or_acknowledge(flag, reviewed_by, note, now)
    review.flags.set(closing)
    status_refresh(patient=patient, now=now)
    return review
