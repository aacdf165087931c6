"""Writes to check-ins: booking, the patient's answer, rescheduling, cancelling, completing
and the overdue flag. One keyword-only function per use case, each in one transaction with
its history row (simple-history, with a change reason). A regimen's standing check-in rule
is the regimen's (regimens.services.checkin_rules).

Every change to when a check-in happens replans the reminders of the patient and the
provider once it commits (portal.notifications.services.reminders_replan_on_commit); the
notices it sends at once (booked, moved, cancelled, another time asked) are one-off rows.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.models import CheckIn, Flag, Patient, PGICResponse
from patients.selectors.checkins import OPEN, OVERDUE_AFTER, overdue_checkins
from patients.selectors.records import is_on_care_team
from patients.services.pgic import pgic_record
from patients.status import status_refresh
from portal.accounts.models import Role, User
from portal.lib.formats import when
from portal.lib.timing import local_today
from portal.notifications.models import Kind
from portal.notifications.services import notify_once, reminders_replan_on_commit

Status = CheckIn.Status
# [design] Check-ins are booked up to a year ahead, like a regimen's start.
MAX_DAYS_AHEAD = 365
PAST = gettext_lazy("This time has already passed. Pick a date and time in the future.")
KIND_UNKNOWN = gettext_lazy("Pick video, phone, in person or diary review.")
NO_MESSAGE = gettext_lazy("Tell your provider what would suit you better.")


def too_far() -> str:
    """A check-in (or a suggested time) more than MAX_DAYS_AHEAD days ahead."""
    return _("Pick a time within a year from today (up to %(days)d days ahead).") % {
        "days": MAX_DAYS_AHEAD
    }


def _save(checkin: CheckIn, reason: str, **kwargs) -> None:
    checkin._change_reason = reason
    checkin.save(**kwargs)


def _check_time(starts_at: datetime, now: datetime, *, field: str = "starts_at") -> None:
    if starts_at <= now:
        raise ValidationError({field: PAST})
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({field: too_far()})


def _require_open(checkin: CheckIn) -> CheckIn:
    locked = (
        CheckIn.objects.select_for_update(of=("self",))
        .select_related("patient__user", "provider")
        .get(pk=checkin.pk)
    )
    if locked.status not in OPEN:
        raise ValidationError(
            _("This check-in is %(status)s: it cannot be changed any more.")
            % {"status": locked.get_status_display().lower()},
            code="checkin_closed",
        )
    return locked


def _notify(checkin: CheckIn, recipient: User, event: str, now: datetime, stamp: str) -> None:
    notify_once(
        recipient=recipient,
        kind=Kind.CHECKIN,
        key=f"checkin:{checkin.pk}:{event}:{stamp}:{recipient.pk}",
        context={
            "checkin": checkin.pk,
            "event": event,
            "starts_at": checkin.starts_at.isoformat(),
        },
        due_at=now,
    )


def _resolve_overdue(checkin: CheckIn, by: User | None, note: str, now: datetime) -> None:
    for flag in Flag.objects.filter(
        patient=checkin.patient,
        kind=Flag.Kind.OVERDUE_CHECKIN,
        cause=f"checkin:{checkin.pk}",
        resolved_at__isnull=True,
    ):
        flag.resolved_at, flag.resolved_by, flag.resolution_note = now, by, note[:500]
        flag.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
        status_refresh(patient=checkin.patient, now=now)


@transaction.atomic
def checkin_book(
    *,
    patient: Patient,
    provider: User,
    starts_at: datetime,
    kind: str,
    booked_by: User,
    from_rule: bool = False,
    now: datetime | None = None,
) -> CheckIn:
    """Book a check-in between the patient and a provider on their care team. The patient
    is told at once and asked to confirm; both are reminded 24 hours and 1 hour before."""
    now = now or timezone.now()
    if provider.role != Role.PROVIDER or not is_on_care_team(provider=provider, patient=patient):
        raise ValidationError(_("Only a provider on the patient's care team holds check-ins."))
    if kind not in CheckIn.Kind.values:
        raise ValidationError({"kind": KIND_UNKNOWN})
    _check_time(starts_at, now)
    checkin = CheckIn(
        patient=patient,
        provider=provider,
        starts_at=starts_at,
        kind=kind,
        from_rule=from_rule,
        created_by=booked_by,
        created_at=now,
    )
    _save(checkin, "booked by the regimen's rule" if from_rule else "booked")
    _notify(checkin, patient.user, "booked", now, checkin.starts_at.isoformat())
    reminders_replan_on_commit(patient.user, provider)
    return checkin


@transaction.atomic
def checkin_confirm(*, checkin: CheckIn, now: datetime | None = None) -> CheckIn:
    """The patient confirms the time (also after asking for another one, if it suits now)."""
    now = now or timezone.now()
    checkin = _require_open(checkin)
    if checkin.starts_at <= now:
        raise ValidationError(
            _("This check-in has already started, so there is nothing to confirm.")
        )
    if checkin.status != Status.CONFIRMED:
        checkin.status = Status.CONFIRMED
        _save(checkin, "confirmed by the patient", update_fields=["status"])
        reminders_replan_on_commit(checkin.patient.user, checkin.provider)
    return checkin


@transaction.atomic
def checkin_request_change(
    *,
    checkin: CheckIn,
    message: str,
    suggested_at: datetime | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """The patient asks for another time, with a message and optionally a time that suits
    them (kept in the message, in their own time zone). The provider is told at once."""
    now = now or timezone.now()
    checkin = _require_open(checkin)
    message = message.strip()
    if not message:
        raise ValidationError({"message": NO_MESSAGE})
    if suggested_at is not None:
        _check_time(suggested_at, now, field="suggested_date")
        zone = checkin.patient.user.timezone
        message += "\n" + _("Suggested time: %(when)s (%(zone)s)") % {
            "when": when(suggested_at, zone),
            "zone": zone,
        }
    checkin.status = Status.RESCHEDULE_REQUESTED
    checkin.patient_message = message[:500]
    _save(
        checkin, "the patient asked for another time", update_fields=["status", "patient_message"]
    )
    _notify(checkin, checkin.provider, "change", now, now.isoformat())
    reminders_replan_on_commit(checkin.patient.user, checkin.provider)
    return checkin


@transaction.atomic
def checkin_reschedule(
    *,
    checkin: CheckIn,
    starts_at: datetime,
    kind: str,
    rescheduled_by: User,
    now: datetime | None = None,
) -> CheckIn:
    """Move the check-in to a new time; the patient is asked to confirm it again."""
    now = now or timezone.now()
    checkin = _require_open(checkin)
    if kind not in CheckIn.Kind.values:
        raise ValidationError({"kind": KIND_UNKNOWN})
    _check_time(starts_at, now)
    checkin.starts_at, checkin.kind = starts_at, kind
    checkin.status, checkin.patient_message = Status.BOOKED, ""
    _save(
        checkin,
        f"rescheduled by user {rescheduled_by.pk}",
        update_fields=["starts_at", "kind", "status", "patient_message"],
    )
    _resolve_overdue(checkin, rescheduled_by, _("The check-in was rescheduled."), now)
    _notify(checkin, checkin.patient.user, "moved", now, starts_at.isoformat())
    reminders_replan_on_commit(checkin.patient.user, checkin.provider)
    return checkin


@transaction.atomic
def checkin_cancel(*, checkin: CheckIn, cancelled_by: User, now: datetime | None = None) -> CheckIn:
    """Cancel the check-in: its reminders are withdrawn and the patient is told."""
    now = now or timezone.now()
    checkin = _require_open(checkin)
    checkin.status = Status.CANCELLED
    _save(checkin, f"cancelled by user {cancelled_by.pk}", update_fields=["status"])
    _resolve_overdue(checkin, cancelled_by, _("The check-in was cancelled."), now)
    _notify(checkin, checkin.patient.user, "cancelled", now, "")
    reminders_replan_on_commit(checkin.patient.user, checkin.provider)
    return checkin


@transaction.atomic
def checkin_complete(
    *,
    checkin: CheckIn,
    notes: str,
    pgic_score: int,
    completed_by: User,
    now: datetime | None = None,
) -> CheckIn:
    """Record that the check-in took place, with the provider's notes and the patient's
    answer to the PGIC ("since starting LDN, how would you describe the change?", 1 very
    much improved to 7 very much worse; public domain; docs/clinical-rules.md §4.7). Closes
    the overdue flag if one was raised."""
    now = now or timezone.now()
    checkin = _require_open(checkin)
    if pgic_score not in PGICResponse.Score.values:
        raise ValidationError({"pgic_score": _("The PGIC answer is a number from 1 to 7.")})
    checkin.status, checkin.completed_at = Status.COMPLETED, now
    checkin.notes = notes.strip()
    _save(
        checkin,
        f"completed by user {completed_by.pk}",
        update_fields=["status", "completed_at", "notes"],
    )
    pgic_record(
        patient=checkin.patient,
        score=pgic_score,
        entered_by=completed_by,
        occasion=PGICResponse.Occasion.CHECKIN,
        checkin=checkin,
        on=local_today(checkin.patient),
    )
    _resolve_overdue(checkin, completed_by, _("The check-in was completed."), now)
    reminders_replan_on_commit(checkin.patient.user, checkin.provider)
    return checkin


def checkins_flag_overdue(*, now: datetime | None = None) -> int:
    """Raise an "overdue check-in" flag (cause "checkin:<pk>") for each open check-in more
    than 24 hours past its start. One flag per check-in; completing, rescheduling or
    cancelling it closes the flag. Returns how many flags were raised."""
    now = now or timezone.now()
    raised = 0
    for checkin in overdue_checkins(now=now).select_related("patient", "provider"):
        cause = f"checkin:{checkin.pk}"
        if Flag.objects.filter(
            patient=checkin.patient,
            kind=Flag.Kind.OVERDUE_CHECKIN,
            cause=cause,
            raised_at__gte=checkin.starts_at + OVERDUE_AFTER,
        ).exists():
            continue  # raised for this time already (a provider may have reviewed it)
        reason = _("The check-in of %(when)s with %(provider)s (%(kind)s) is not completed.") % {
            "kind": checkin.get_kind_display().lower(),
            "when": when(checkin.starts_at, checkin.provider.timezone),
            "provider": checkin.provider,
        }
        try:
            with transaction.atomic():
                Flag.objects.create(
                    patient=checkin.patient,
                    kind=Flag.Kind.OVERDUE_CHECKIN,
                    severity=Flag.Severity.ATTENTION,
                    reason=reason[:300],
                    cause=cause,
                    raised_at=now,
                )
                status_refresh(patient=checkin.patient, now=now)
        except IntegrityError:
            continue  # another run raised it a moment ago
        raised += 1
    return raised
