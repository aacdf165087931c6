"""What the patient reports of the treatment: hold requests and doses. (Side effects are
part of the patient record: patients.services.side_effects.)"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.services.flags import flag_dose_during_pause, flags_evaluate
from patients.status import status_refresh
from portal.accounts.models import User
from portal.lib.formats import day
from portal.lib.language import in_portal_language
from portal.lib.timing import local_today
from regimens.models import DoseLog, Regimen
from regimens.selectors.opioids import opioid_status_for
from regimens.services._shared import Kind, Status, _event, _locked, _save


@transaction.atomic
def regimen_request_hold(
    *, regimen: Regimen, requested_by: User, note: str = "", now: datetime | None = None
) -> Regimen:
    """The patient asks to stay on the current dose: the care team sees it in the titration
    queue, and the schedule applies no automatic step until a provider decides."""
    regimen = _locked(regimen, Status.ACTIVE)
    if regimen.next_step is None:
        raise ValidationError(_("There is no next step planned, so there is nothing to hold."))
    now = now or timezone.now()
    regimen.hold_requested_at = now
    regimen.hold_request_note = note.strip()[:500]
    _save(regimen, "hold requested by the patient")
    _event(regimen, Kind.HOLD_REQUESTED, actor=requested_by, now=now, note=note.strip()[:500])
    status_refresh(patient=regimen.patient, now=now)
    return regimen


@transaction.atomic
def dose_log_mark(
    *,
    regimen: Regimen,
    on: date,
    status: str,
    recorded_by: User,
    now: datetime | None = None,
    evaluate_flags: bool = True,
) -> DoseLog:
    """Mark the day's dose taken, skipped or missed; marking the same day again updates it.

    A dose can be recorded while the regimen is paused or an opioid stands in the way: the
    patient who took it anyway must be able to say so. Taken on such a day, it raises the
    care team's urgent flag (docs/clinical-rules.md §2.7). The patient's flags are
    evaluated at once (a third missed dose in a week is the care team's flag straight
    away), unless the caller evaluates them itself afterwards (the diary, which saves the
    day's other answers too)."""
    now = now or timezone.now()
    regimen = (Regimen.objects.select_for_update(of=("self",)).select_related("patient__user")).get(
        pk=regimen.pk
    )
    if not regimen.is_open:
        raise ValidationError(_("Doses are logged only while the regimen is open."))
    current = regimen.current_step
    if current is None or on < current.started_on:
        raise ValidationError(_("Your regimen has not started yet on this day."))
    if status == DoseLog.Status.TAKEN:
        _taken_when_it_should_not_be(regimen, on, now)
    # The regimen is locked: the day's log is read and written without a savepoint.
    log = DoseLog.objects.filter(regimen=regimen, on=on).first() or DoseLog(regimen=regimen, on=on)
    log.status, log.dose_mg = status, current.dose_mg
    log.recorded_by, log.recorded_at = recorded_by, now
    log.save()
    if evaluate_flags:
        flags_evaluate(patient=regimen.patient, today=local_today(regimen.patient), now=now)
    return log


@in_portal_language
def _taken_when_it_should_not_be(regimen: Regimen, on: date, now: datetime) -> None:
    """An urgent flag for a dose taken on a day LDN must not be: the opioid status of that
    day is not clear (an opioid, its washout, or an approved pause for a procedure or a
    course), or the care team had paused the regimen by then."""
    patient = regimen.patient
    status = opioid_status_for(patient=patient, today=on)
    paused = regimen.status == Regimen.Status.PAUSED and (
        regimen.paused_on is None or on >= regimen.paused_on
    )
    if status.is_clear and not paused:
        return
    if not status.is_clear:
        why = status.reason
    else:
        why = _("The regimen is paused since %(day)s.") % {"day": day(regimen.paused_on)}
    flag_dose_during_pause(
        patient=patient,
        day=on,
        reason=_("LDN was taken on %(day)s, when it should not have been. %(why)s")
        % {"day": day(on), "why": why},
        now=now,
    )
