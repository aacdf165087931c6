"""The provider's decisions on a regimen: each replans the steps after the current one,
writes its history and is refused, changing nothing, when it does not fit the regimen."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from regimens import opioids, rules
from regimens.models import DecisionReason, Regimen, TitrationStep
from regimens.selectors.opioids import opioid_status_for
from regimens.services._shared import (
    Kind,
    Status,
    _begin_step,
    _clear_hold_request,
    _current,
    _day,
    _dose_errors,
    _event,
    _locked,
    _mg,
    _not_before_start,
    _opioid_check,
    _replan,
    _save,
    plans_complete,
    regimen_plan_changed,
)


@transaction.atomic
def regimen_advance(
    *,
    regimen: Regimen,
    dose_mg: Decimal,
    decided_by: User | None,
    reason: str,
    today: date,
    note: str = "",
    above_ceiling_reason: str = "",
    now: datetime | None = None,
) -> Regimen:
    """Step up to `dose_mg` from `today` and replan the steps after it. `decided_by` None
    means the protocol's schedule applied it (regimens_apply_automatic_steps)."""
    regimen = _locked(regimen, Status.ACTIVE)
    _not_before_start(regimen, today)
    current = _current(regimen)
    errors = rules.advance_errors(dose_mg=dose_mg, current_mg=current.dose_mg) or _dose_errors(
        dose_mg, regimen, regimen.formulation(), above_ceiling_reason=above_ceiling_reason
    )
    if errors:
        raise ValidationError({"dose_mg": errors})
    why = f"advanced: {reason}"
    _begin_step(
        regimen,
        dose=dose_mg,
        on=today,
        decided_by=decided_by,
        reason=reason,
        above_ceiling_reason=above_ceiling_reason,
        why=why,
    )
    _replan(regimen, dose=dose_mg, next_on=today + timedelta(days=regimen.protocol.interval_days))
    _record_decision(
        regimen,
        Kind.ADVANCED,
        why=why,
        decided_by=decided_by,
        reason=reason,
        note=note if note.strip() else above_ceiling_reason,
        now=now,
        from_mg=current.dose_mg,
        to_mg=dose_mg,
        effective_on=today,
    )
    return regimen


@transaction.atomic
def regimen_hold(
    *,
    regimen: Regimen,
    until: date,
    decided_by: User,
    reason: str,
    today: date,
    note: str = "",
    now: datetime | None = None,
) -> Regimen:
    """Keep the current dose and move the next step to `until`; the rest follow from it."""
    regimen = _locked(regimen, Status.ACTIVE)
    errors = rules.hold_until_errors(
        until=until, today=today, longest_days=settings.LDN["HOLD_MAX_DAYS"]
    )
    if errors:
        raise ValidationError({"until": errors})
    current = _current(regimen)
    if regimen.next_step is None:
        raise ValidationError(
            _("There is no next step to hold: the regimen stays on %(dose)s mg. Step up instead.")
            % {"dose": _mg(current.dose_mg)}
        )
    _replan(regimen, dose=current.dose_mg, next_on=until, field="until")
    why = f"held: {reason}"
    _record_decision(
        regimen,
        Kind.HELD,
        why=why,
        decided_by=decided_by,
        reason=reason,
        note=note,
        now=now,
        from_mg=current.dose_mg,
        effective_on=until,
    )
    return regimen


@transaction.atomic
def regimen_step_back(
    *,
    regimen: Regimen,
    dose_mg: Decimal,
    decided_by: User,
    reason: str,
    today: date,
    note: str = "",
    now: datetime | None = None,
) -> Regimen:
    """Lower the dose from `today` (e.g. to the last tolerated dose or half) and titrate back
    up from it ("halve the dose, then titrate back up", LDN Research Trust, Dickson)."""
    regimen = _locked(regimen, Status.ACTIVE)
    _not_before_start(regimen, today)
    current = _current(regimen)
    errors = rules.step_back_errors(dose_mg=dose_mg, current_mg=current.dose_mg) or _dose_errors(
        dose_mg, regimen, regimen.formulation()
    )
    if errors:
        raise ValidationError({"dose_mg": errors})
    why = f"stepped back: {reason}"
    _begin_step(regimen, dose=dose_mg, on=today, decided_by=decided_by, reason=reason, why=why)
    _replan(regimen, dose=dose_mg, next_on=today + timedelta(days=regimen.protocol.interval_days))
    _record_decision(
        regimen,
        Kind.STEPPED_BACK,
        why=why,
        decided_by=decided_by,
        reason=reason,
        note=note,
        now=now,
        from_mg=current.dose_mg,
        to_mg=dose_mg,
        effective_on=today,
    )
    return regimen


@transaction.atomic
def regimen_set_maintenance(
    *,
    regimen: Regimen,
    decided_by: User,
    reason: str,
    today: date,
    note: str = "",
    now: datetime | None = None,
) -> Regimen:
    """Keep the current dose from now on: no further steps are planned."""
    regimen = _locked(regimen, Status.ACTIVE)
    current = _current(regimen)
    if regimen.next_step is None:
        raise ValidationError(
            _("The regimen already stays on %(dose)s mg with no further step.")
            % {"dose": _mg(current.dose_mg)}
        )
    _replan(regimen, dose=current.dose_mg, next_on=None)
    why = f"maintenance: {reason}"
    _record_decision(
        regimen,
        Kind.MAINTENANCE,
        why=why,
        decided_by=decided_by,
        reason=reason,
        note=note,
        now=now,
        from_mg=current.dose_mg,
        effective_on=today,
    )
    return regimen


@transaction.atomic
def regimen_switch_dose_time(
    *,
    regimen: Regimen,
    dose_time: str,
    decided_by: User,
    reason: str,
    today: date,
    note: str = "",
    now: datetime | None = None,
) -> Regimen:
    """Take the same dose at another time of day (morning dosing helps insomnia or vivid
    dreams, docs/clinical-rules.md §1.4). The current and planned steps change; past ones stay."""
    regimen = _locked(regimen, Status.ACTIVE)
    if dose_time == regimen.dose_time:
        raise ValidationError(
            {
                "dose_time": _("The dose is already taken %(time)s.")
                % {"time": regimen.get_dose_time_display().lower()}
            }
        )
    why = f"dose time: {reason}"
    regimen.dose_time = dose_time
    for step in regimen.steps.exclude(status=TitrationStep.Status.DONE):
        step.dose_time = dose_time
        _save(step, why, update_fields=["dose_time"])
    current = _current(regimen)
    _record_decision(
        regimen,
        Kind.DOSE_TIME,
        why=why,
        decided_by=decided_by,
        reason=reason,
        note=note,
        now=now,
        from_mg=current.dose_mg,
        dose_time=dose_time,
        effective_on=today,
    )
    return regimen


@transaction.atomic
def regimen_pause(
    *,
    regimen: Regimen,
    decided_by: User | None,
    reason: str,
    today: date,
    note: str = "",
    now: datetime | None = None,
) -> Regimen:
    """Stop taking LDN for now (e.g. before surgery or when an opioid is needed); the
    planned steps are dropped and replanned on resume."""
    regimen = _locked(regimen, Status.ACTIVE)
    current = _current(regimen)
    _replan(regimen, dose=current.dose_mg, next_on=None)
    why = f"paused: {reason}"
    regimen.status = Status.PAUSED
    regimen.paused_on = today
    _record_decision(
        regimen,
        Kind.PAUSED,
        why=why,
        decided_by=decided_by,
        reason=reason,
        note=note,
        now=now,
        from_mg=current.dose_mg,
        effective_on=today,
    )
    return regimen


@transaction.atomic
def regimen_resume(
    *,
    regimen: Regimen,
    dose_mg: Decimal,
    decided_by: User,
    reason: str,
    today: date,
    note: str = "",
    opioid_override_reason: str = "",
    now: datetime | None = None,
) -> Regimen:
    """Take LDN again from `today` at `dose_mg` and replan the steps from it. Refused while an
    opioid blocks LDN unless overridden with a reason, as when starting."""
    regimen = _locked(regimen, Status.PAUSED)
    now = now or timezone.now()
    override = opioid_override_reason.strip()
    blocking = _opioid_check(regimen.patient, today, override)
    status = opioid_status_for(patient=regimen.patient, today=today)
    if status.state == opioids.PLANNED:
        raise ValidationError(
            _(
                "The approved pause for %(label)s runs until %(day)s: resume from then, or "
                "cancel the pause first."
            )
            % {"label": status.pause.label, "day": _day(status.until)}
        )
    errors = _dose_errors(dose_mg, regimen, regimen.formulation())
    if errors:
        raise ValidationError({"dose_mg": errors})
    why = f"resumed: {reason}"
    _begin_step(regimen, dose=dose_mg, on=today, decided_by=decided_by, reason=reason, why=why)
    _replan(regimen, dose=dose_mg, next_on=today + timedelta(days=regimen.protocol.interval_days))
    regimen.status = Status.ACTIVE
    regimen.paused_on = None
    plans_complete(regimen=regimen, today=today, now=now)
    if blocking:
        regimen.opioid_override_reason = override
        _event(regimen, Kind.OPIOID_OVERRIDE, actor=decided_by, now=now, note=override[:500])
    _record_decision(
        regimen,
        Kind.RESUMED,
        why=why,
        decided_by=decided_by,
        reason=reason,
        note=note,
        now=now,
        to_mg=dose_mg,
        effective_on=today,
    )
    return regimen


@transaction.atomic
def regimen_stop(
    *,
    regimen: Regimen,
    decided_by: User,
    reason: str,
    today: date,
    note: str = "",
    now: datetime | None = None,
) -> Regimen:
    """End the regimen today: "completed" when the reason is that treatment is complete,
    "stopped" otherwise. Nothing can be decided on it afterwards."""
    regimen = _locked(regimen, *Regimen.OPEN)
    current = _current(regimen)
    _replan(regimen, dose=current.dose_mg, next_on=None)
    current.status = TitrationStep.Status.DONE
    why = f"stopped: {reason}"
    _save(current, why, update_fields=["status"])
    completed = reason == DecisionReason.TREATMENT_COMPLETED
    regimen.status = Status.COMPLETED if completed else Status.STOPPED
    regimen.ended_on = today
    _record_decision(
        regimen,
        Kind.COMPLETED if completed else Kind.STOPPED,
        why=why,
        decided_by=decided_by,
        reason=reason,
        note=note,
        now=now,
        from_mg=current.dose_mg,
        effective_on=today,
    )
    return regimen


def _record_decision(regimen, kind, *, why, decided_by, reason, note, now, **fields):
    """Close a provider's decision the same way every time: drop a pending hold request,
    save with the reason, write the plan-history line and replan the reminders. An unknown
    reason code refuses the whole decision (every decision runs in one transaction)."""
    if reason not in DecisionReason.values:
        raise ValidationError({"reason": _("Pick one of the listed reasons.")})
    _clear_hold_request(regimen)
    _save(regimen, why)
    _event(
        regimen,
        kind,
        actor=decided_by,
        now=now or timezone.now(),
        reason=reason,
        note=note.strip()[:500],
        **fields,
    )
    regimen_plan_changed(regimen=regimen, now=now)
