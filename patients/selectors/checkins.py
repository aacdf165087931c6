"""Reads of check-ins, scoped to the viewer like every patient record.

A check-in the viewer may not see answers 404: the patient sees their own, a provider those
of the patients on their care team.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.http import Http404

from patients.models import CheckIn, Patient
from patients.selectors.records import visible_patients

Status = CheckIn.Status
# Waiting to happen: the patient may still confirm or ask for another time.
OPEN = (Status.BOOKED, Status.CONFIRMED, Status.RESCHEDULE_REQUESTED)
# Reminded before they start (a time the patient asked to change is not reminded).
REMINDED = (Status.BOOKED, Status.CONFIRMED)
# An open check-in this long past its start, not completed, is overdue (flagged).
OVERDUE_AFTER = timedelta(hours=24)


def checkin_for(viewer, pk, *, patient: Patient | None = None) -> CheckIn:
    """A check-in of a patient the viewer may see (of `patient` when given); 404 otherwise."""
    checkins = CheckIn.objects.select_related("patient__user", "provider").filter(
        patient__in=visible_patients(viewer)
    )
    if patient is not None:
        checkins = checkins.filter(patient=patient)
    try:
        return checkins.get(pk=pk)
    except (CheckIn.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def checkins_for_patient(*, patient: Patient, now: datetime) -> dict[str, list[CheckIn]]:
    """The patient's check-ins: open ones (soonest first) and the last ten past ones."""
    checkins = CheckIn.objects.filter(patient=patient).select_related("provider")
    return {
        "upcoming": list(checkins.filter(status__in=OPEN).order_by("starts_at")),
        "past": list(checkins.exclude(status__in=OPEN).order_by("-starts_at")[:10]),
    }


def upcoming_checkins_for_provider(*, provider) -> QuerySet[CheckIn]:
    """The provider's own open check-ins with patients still on their care team, soonest
    first (overdue ones first of all, as they are the oldest)."""
    return (
        CheckIn.objects.filter(
            provider=provider, status__in=OPEN, patient__in=visible_patients(provider)
        )
        .select_related("patient__user")
        .order_by("starts_at", "pk")
    )


def open_checkins_of(*, patient: Patient) -> QuerySet[CheckIn]:
    """A patient's open check-ins with any provider, for their record and home page."""
    return (
        CheckIn.objects.filter(patient=patient, status__in=OPEN)
        .select_related("provider")
        .order_by("starts_at", "pk")
    )


@dataclass(frozen=True)
class Reminded:
    """A check-in someone is reminded of, with the person's role in it."""

    checkin: CheckIn
    as_patient: bool


def reminded_checkins(*, user, now: datetime, until: datetime) -> list[Reminded]:
    """Check-ins starting between `now` and a day after `until` that `user` is reminded of:
    their own as the patient, or those they hold as a provider with a patient still on
    their care team."""
    window = {"starts_at__gt": now, "starts_at__lte": until + timedelta(days=1)}
    if user.is_patient:
        rows = CheckIn.objects.filter(patient__user=user, status__in=REMINDED, **window)
        return [Reminded(checkin=c, as_patient=True) for c in rows.select_related("provider")]
    if user.is_provider:
        rows = CheckIn.objects.filter(
            provider=user, status__in=REMINDED, patient__in=visible_patients(user), **window
        ).select_related("patient__user")
        return [Reminded(checkin=c, as_patient=False) for c in rows]
    return []


def overdue_checkins(*, now: datetime) -> QuerySet[CheckIn]:
    """Open check-ins that started over 24 hours ago and were never completed."""
    return CheckIn.objects.filter(status__in=OPEN, starts_at__lt=now - OVERDUE_AFTER)
