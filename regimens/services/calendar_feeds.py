"""The patient's private calendar address: create, revoke, regenerate, preferences."""

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from patients.models import Patient
from regimens.models import CalendarFeed


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_create(*, patient: Patient, now: datetime | None = None) -> CalendarFeed:
    """The patient's live feed, created when there is none."""
    live = CalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).first()
    if live is not None:
        return live
    return CalendarFeed.objects.create(
        patient=patient, token=_new_token(), created_at=now or timezone.now()
    )


@transaction.atomic
def calendar_feed_revoke(*, patient: Patient, now: datetime | None = None) -> int:
    """The feed's address stops working at once (404)."""
    return CalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )


@transaction.atomic
def calendar_feed_regenerate(*, patient: Patient, now: datetime | None = None) -> CalendarFeed:
    """A new address replaces the old one, keeping the patient's choice about the dose."""
    now = now or timezone.now()
    live = CalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).first()
    include_dose = live.include_dose if live else False
    calendar_feed_revoke(patient=patient, now=now)
    return CalendarFeed.objects.create(
        patient=patient, token=_new_token(), include_dose=include_dose, created_at=now
    )


@transaction.atomic
def calendar_feed_set_include_dose(*, patient: Patient, include_dose: bool) -> CalendarFeed:
    feed = calendar_feed_create(patient=patient)
    if feed.include_dose != include_dose:
        feed.include_dose = include_dose
        feed.save(update_fields=["include_dose"])
    return feed
