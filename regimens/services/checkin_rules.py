"""A regimen's standing check-in rule: "a check-in N days after each step, at this time of
day, of this kind, with me". Setting it books the current step's check-in when its time is
still ahead; every plan change (regimens.reminders.regimen_plan_changed) applies it again."""

import logging
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from patients.models import CheckIn
from patients.selectors.records import is_on_care_team
from patients.services.checkins import KIND_UNKNOWN, checkin_book
from portal.accounts.models import User
from portal.lib.timing import local_to_utc
from regimens.models import CheckInRule, Regimen, TitrationStep

logger = logging.getLogger(__name__)
TOO_FEW_DAYS = gettext_lazy("Enter 1 day or more.")


@transaction.atomic
def checkin_rule_set(
    *,
    regimen: Regimen,
    days_after_step: int,
    kind: str,
    at_time: time,
    active: bool,
    set_by: User,
    now: datetime | None = None,
) -> CheckInRule:
    """Set the regimen's standing check-in rule, held by `set_by`: a check-in
    `days_after_step` days after each step begins, at `at_time` in their time zone. The
    current step gets its check-in at once when that time is still ahead."""
    if days_after_step < 1:
        raise ValidationError({"days_after_step": TOO_FEW_DAYS})
    if kind not in CheckIn.Kind.values:
        raise ValidationError({"kind": KIND_UNKNOWN})
    rule = CheckInRule.objects.filter(regimen=regimen).first() or CheckInRule(regimen=regimen)
    rule.days_after_step, rule.kind, rule.at_time = days_after_step, kind, at_time
    rule.active, rule.created_by = active, set_by
    rule._change_reason = f"set by user {set_by.pk}"
    rule.save()
    checkins_apply_rule(regimen=regimen, now=now)
    return rule


@transaction.atomic
def checkins_apply_rule(*, regimen: Regimen, now: datetime | None = None) -> CheckIn | None:
    """Book the check-in the regimen's rule asks for after its current step began, unless it
    is already booked (or was, and was cancelled), its time has passed, or the rule's
    provider has left the care team. Safe to call after every plan change."""
    now = now or timezone.now()
    rule = CheckInRule.objects.select_related("created_by").filter(regimen=regimen).first()
    if rule is None or not rule.active or regimen.status != Regimen.Status.ACTIVE:
        return None
    step = regimen.steps.filter(status=TitrationStep.Status.CURRENT).first()
    if step is None or step.started_on is None:
        return None
    provider = rule.created_by
    if not is_on_care_team(provider=provider, patient=regimen.patient):
        logger.info("check-in rule of regimen %s: its provider left the care team", regimen.pk)
        return None
    day = step.started_on + timedelta(days=rule.days_after_step)
    starts_at = local_to_utc(day, rule.at_time, provider.timezone)
    booked = CheckIn.objects.filter(patient=regimen.patient, from_rule=True, starts_at=starts_at)
    if starts_at <= now or booked.exists():
        return None
    return checkin_book(
        patient=regimen.patient,
        provider=provider,
        starts_at=starts_at,
        kind=rule.kind,
        booked_by=provider,
        from_rule=True,
        now=now,
    )
