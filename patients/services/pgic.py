"""The Patient Global Impression of Change: every 4 weeks of a regimen, and at check-ins."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from patients.models import Patient, PGICResponse
from portal.accounts.models import User

PGIC_UNANSWERED = gettext_lazy(
    "Choose one of the seven answers, from very much improved to very much worse."
)


@transaction.atomic
def pgic_record(
    *,
    patient: Patient,
    score: int,
    entered_by: User,
    occasion: str,
    checkin=None,
    on: date,
) -> PGICResponse:
    """Record a Patient Global Impression of Change (1 very much improved ... 7 very much
    worse; public domain, NINDS CDE): every 4 weeks of a regimen, or at a check-in.
    Answering again for the same day, occasion and check-in changes that answer."""
    if score not in PGICResponse.Score.values:
        raise ValidationError({"score": PGIC_UNANSWERED})
    if occasion not in PGICResponse.Occasion.values:
        raise ValueError(f"unknown PGIC occasion {occasion!r}")
    existing = (
        PGICResponse.objects.select_for_update()
        .filter(patient=patient, answered_on=on, occasion=occasion, checkin=checkin)
        .first()
    )
    if existing is not None:
        existing.score = score
        existing.entered_by = entered_by
        existing._change_reason = "answered again"
        existing.save(update_fields=["score", "entered_by"])
        return existing
    response = PGICResponse(
        patient=patient,
        answered_on=on,
        score=score,
        occasion=occasion,
        checkin=checkin,
        entered_by=entered_by,
        created_at=timezone.now(),
    )
    response._change_reason = "answered"
    response.save()
    return response
