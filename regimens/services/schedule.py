"""The schedule: step-ups applied on their due date for protocols without approval, and the
approved pauses (regimens.services.plans) begun on their first day."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from portal.lib.timing import local_today
from regimens import titration
from regimens.models import DecisionReason, PausePlan, Regimen, TitrationStep
from regimens.selectors.engine import engine_inputs_for, recommendation_for
from regimens.services._shared import Status, _dose_errors
from regimens.services.decisions import regimen_advance, regimen_pause


def regimens_apply_automatic_steps(*, today: date | None = None) -> int:
    """Apply the engine's ADVANCE on its due date for regimens whose protocol needs no
    approval, recorded as automatic. Idempotent: once applied, the next step lies ahead.

    Each regimen is handled in its own transaction with its row locked, so two runs at once
    apply a step once. `today` None means each patient's own local date. A hold requested
    by the patient, a side effect, or a dose that cannot be measured leaves the step to the
    provider (it stays in their titration queue). Returns how many steps were applied.
    """
    horizon = today or (timezone.now() + timedelta(days=1)).date()
    candidates = (
        Regimen.objects.filter(
            status=Status.ACTIVE,
            protocol__requires_approval=False,
            hold_requested_at__isnull=True,
            steps__status=TitrationStep.Status.PLANNED,
            steps__planned_on__lte=horizon,
        )
        .distinct()
        .values_list("pk", flat=True)
    )
    return sum(_apply_automatic_step(pk, today) for pk in list(candidates))


@transaction.atomic
def _apply_automatic_step(pk: int, today: date | None) -> int:
    regimen = (
        Regimen.objects.select_for_update(of=("self",))
        .select_related("protocol", "patient__user")
        .get(pk=pk)
    )
    if (
        regimen.status != Status.ACTIVE
        or regimen.protocol.requires_approval
        or regimen.hold_requested_at is not None
    ):
        return 0
    day = today or local_today(regimen.patient)
    upcoming = regimen.next_step
    if upcoming is None or upcoming.planned_on > day:
        return 0
    inputs = engine_inputs_for(regimen, day)
    recommendation = recommendation_for(regimen, day, inputs=inputs)
    if recommendation.action != titration.Action.ADVANCE:
        return 0
    if _dose_errors(recommendation.dose_mg, regimen, regimen.formulation()):
        return 0
    regimen_advance(
        regimen=regimen,
        dose_mg=recommendation.dose_mg,
        decided_by=None,
        reason=DecisionReason.PROTOCOL_SCHEDULE,
        today=day,
    )
    return 1


def regimens_apply_planned_pauses(*, now=None) -> int:
    """Pause the active regimens whose approved pause begins today (the patient's local
    date), recorded as automatic, "as planned". Each in its own transaction; idempotent (a
    paused regimen is passed over). Returns how many were paused."""
    now = now or timezone.now()
    horizon = (now + timedelta(days=1)).date()
    plans = PausePlan.objects.filter(
        status=PausePlan.Status.APPROVED,
        pause_from__lte=horizon,
        regimen__status=Status.ACTIVE,
    ).values_list("pk", flat=True)
    return sum(_apply_planned_pause(pk, now) for pk in list(plans))


@transaction.atomic
def _apply_planned_pause(pk: int, now) -> int:
    plan = PausePlan.objects.select_related("regimen__patient__user").get(pk=pk)
    regimen = (Regimen.objects.select_for_update(of=("self",)).select_related("patient__user")).get(
        pk=plan.regimen_id
    )
    today = local_today(regimen.patient)
    if plan.status != PausePlan.Status.APPROVED or plan.pause_from > today or not regimen.is_active:
        return 0
    reason = (
        DecisionReason.SURGERY
        if plan.kind == PausePlan.Kind.PROCEDURE
        else DecisionReason.OPIOID_NEEDED
    )
    regimen_pause(
        regimen=regimen, decided_by=None, reason=reason, today=today, note=plan.label, now=now
    )
    return 1
