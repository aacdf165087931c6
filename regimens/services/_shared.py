"""Helpers the regimen services share: history, planning, locking and refusals."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _

from patients.models import Patient
from patients.selectors.medications import opioid_block, opioid_washout_ends
from patients.status import status_refresh
from portal.accounts.models import User
from portal.lib.formats import day as _day
from portal.lib.formats import mg as _mg
from portal.notifications.services import reminders_replan_on_commit
from regimens import safety, titration
from regimens.models import PausePlan, Protocol, Regimen, RegimenEvent, TitrationStep
from regimens.services.checkin_rules import checkins_apply_rule
from regimens.services.supply import supply_check

Status = Regimen.Status
Kind = RegimenEvent.Kind


def _event(regimen: Regimen, kind: str, *, actor: User | None, now: datetime, **fields):
    return RegimenEvent.objects.create(
        regimen=regimen, kind=kind, actor=actor, at=now, automatic=actor is None, **fields
    )


def _save(obj, reason: str, **kwargs):
    obj._change_reason = reason
    obj.save(**kwargs)


def _rules(regimen: Regimen) -> titration.Rules:
    return regimen.protocol.rules(dose_quantum_mg=safety.dose_quantum(regimen.formulation()))


def _dose_errors(
    dose: Decimal, regimen_or_protocol, formulation, *, above_ceiling_reason: str = ""
) -> list[str]:
    protocol = getattr(regimen_or_protocol, "protocol", regimen_or_protocol)
    return safety.check_dose(
        dose,
        formulation,
        protocol.dose_limits(),
        above_ceiling_decision=bool(above_ceiling_reason.strip()),
    )


def _planned_after(rules: titration.Rules, dose: Decimal, next_on: date):
    """The steps after the current dose: the first on `next_on`, then one per interval."""
    shift = timedelta(days=rules.interval_days)
    return [
        (d, day - shift)
        for d, day in titration.plan_steps(rules=rules, start_mg=dose, start_on=next_on)[1:]
    ]


def _check_planned(planned, formulation: safety.Formulation, protocol: Protocol, field: str):
    for dose, _day_on in planned:
        errors = safety.check_dose(dose, formulation, protocol.dose_limits())
        if errors:
            raise ValidationError(
                {
                    field: _(
                        "This protocol's step to %(dose)s mg cannot be given: %(problem)s %(hint)s"
                    )
                    % {
                        "dose": _mg(dose),
                        "problem": errors[0],
                        "hint": safety.fine_steps_hint(formulation),
                    }
                }
            )


def _replan(regimen: Regimen, *, dose: Decimal, next_on: date | None, field: str = "dose_mg"):
    """Replace the planned steps after the current one: from `dose`, the first on `next_on`
    (no further steps when `next_on` is None: maintenance)."""
    regimen.steps.filter(status=TitrationStep.Status.PLANNED).delete()
    if next_on is None:
        return
    planned = _planned_after(_rules(regimen), dose, next_on)
    _check_planned(planned, regimen.formulation(), regimen.protocol, field)
    sequence = regimen.steps.aggregate(s=Max("sequence"))["s"] or 0
    for offset, (planned_dose, day) in enumerate(planned, start=1):
        step = TitrationStep(
            regimen=regimen,
            sequence=sequence + offset,
            dose_mg=planned_dose,
            dose_time=regimen.dose_time,
            planned_on=day,
        )
        _save(step, "planned")


def _current(regimen: Regimen) -> TitrationStep:
    return regimen.steps.get(status=TitrationStep.Status.CURRENT)


def _begin_step(
    regimen: Regimen,
    *,
    dose: Decimal,
    on: date,
    decided_by: User | None,
    reason: str,
    above_ceiling_reason: str = "",
    why: str,
) -> TitrationStep:
    """Close the current step and start a new one at `dose` on `on`."""
    current = _current(regimen)
    current.status = TitrationStep.Status.DONE
    _save(current, why, update_fields=["status"])
    regimen.steps.filter(status=TitrationStep.Status.PLANNED).delete()
    step = TitrationStep(
        regimen=regimen,
        sequence=current.sequence + 1,
        dose_mg=dose,
        dose_time=regimen.dose_time,
        planned_on=on,
        started_on=on,
        status=TitrationStep.Status.CURRENT,
        decided_by=decided_by,
        automatic=decided_by is None,
        reason=reason,
        above_ceiling_reason=above_ceiling_reason.strip()[:500],
    )
    _save(step, why)
    return step


def _locked(regimen: Regimen, *allowed: str) -> Regimen:
    """The regimen, locked for this decision; refused unless its status is in `allowed`."""
    locked = (
        Regimen.objects.select_for_update(of=("self",))
        .select_related("protocol", "patient__user")
        .get(pk=regimen.pk)
    )
    if locked.status in allowed:
        return locked
    if locked.status in (Status.STOPPED, Status.COMPLETED):
        message = _(
            "This regimen is %(status)s (since %(date)s), so it cannot be changed. Start a new "
            "regimen instead."
        ) % {"status": locked.get_status_display().lower(), "date": _day(locked.ended_on)}
    elif locked.status == Status.PAUSED:
        message = _("This regimen is paused. Resume it first, or stop it.")
    else:
        message = _("This regimen is active, so there is nothing to resume.")
    raise ValidationError(message, code="regimen_closed")


def _clear_hold_request(regimen: Regimen) -> None:
    regimen.hold_requested_at = None
    regimen.hold_request_note = ""


def _opioid_check(patient: Patient, today: date, override_reason: str) -> list:
    blocking = opioid_block(patient=patient, today=today)
    if blocking and not override_reason.strip():
        raise ValidationError({"opioid_override_reason": opioid_block_message(blocking)})
    return blocking


def opioid_block_message(blocking) -> str:
    """Which opioids stand in the way and when their washout ends."""
    parts = []
    for medication in blocking:
        if medication.stopped_on is None:
            parts.append(_("%(name)s is still taken") % {"name": medication.name})
        else:
            ends = opioid_washout_ends(medication)
            parts.append(
                _("%(name)s was stopped on %(stopped)s; its %(days)d-day washout ends on %(ends)s")
                % {
                    "name": medication.name,
                    "stopped": _day(medication.stopped_on),
                    "days": medication.washout_days,
                    "ends": _day(ends),
                }
            )
    return _(
        "Naltrexone blocks opioids and can bring on withdrawal: %(list)s. Wait for the washout, "
        "or tick the override and write why."
    ) % {"list": "; ".join(parts)}


def _not_before_start(regimen: Regimen, today: date) -> None:
    current = _current(regimen)
    if today < current.started_on:
        raise ValidationError(
            _("This step starts on %(date)s. Decide the next one once it has begun.")
            % {"date": _day(current.started_on)}
        )


def regimen_plan_changed(*, regimen: Regimen, now: datetime | None = None) -> None:
    """What follows any change to a regimen's plan (a start or a decision): the regimen's
    check-in rule books the check-in for a step that has just begun, the supply's strength
    flag follows the new steps, and the patient's reminders (the run-out reminder among
    them) are planned again once the change commits."""
    checkins_apply_rule(regimen=regimen, now=now)
    supply_check(patient=regimen.patient, now=now)
    status_refresh(patient=regimen.patient, now=now)
    reminders_replan_on_commit(regimen.patient.user)


def plans_complete(*, regimen: Regimen, today: date, now: datetime) -> int:
    """The regimen resumed: the approved pauses whose restart day has come are done."""
    done = 0
    for plan in PausePlan.objects.select_for_update().filter(
        regimen=regimen, status=PausePlan.Status.APPROVED, restart_on__lte=today
    ):
        plan.status, plan.completed_at = PausePlan.Status.COMPLETED, now
        plan._change_reason = "restarted"
        plan.save(update_fields=["status", "completed_at"])
        done += 1
    return done
