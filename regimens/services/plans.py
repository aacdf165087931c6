"""Planned pauses of LDN around a procedure or a short opioid course: proposed from the rules
(regimens.opioids.propose_pause) by the patient or the care team, approved, changed or
declined by a provider on the care team, cancelled, and completed by the restart. Every step
writes the regimen's plan history and refreshes the patient's status (which replans the
reminders when the opioid status changes). An approved pause whose dates the patient moves
stays approved with the new dates, which apply at once, and the care team is told."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.models import Patient
from patients.rules.medications import screen_medication
from patients.selectors.records import is_on_care_team
from patients.status import status_refresh
from portal.accounts.models import Role, User
from portal.lib.formats import day
from portal.notifications.models import Kind as NotificationKind
from portal.notifications.services import notify_now
from regimens import opioids, rules
from regimens.models import DecisionReason, PausePlan, Regimen, RegimenEvent
from regimens.reminders.pause import MOVED
from regimens.services._shared import _event, regimen_plan_changed
from regimens.services.decisions import regimen_pause

Kind = PausePlan.Kind
Status = PausePlan.Status

# What a plan needs, next to the field (the planning form shows the same words).
NO_KIND = gettext_lazy("Choose a procedure or a short course of an opioid.")
NO_PROCEDURE_DAY = gettext_lazy("Enter the day of the procedure.")
NO_OPIOID_NAME = gettext_lazy("Enter the opioid's name as on the prescription.")
NO_FIRST_DAY = gettext_lazy("Enter the first day of the opioid.")
NO_LAST_DAY = gettext_lazy("Enter the last day you expect to take it.")
NO_DECLINE_REASON = gettext_lazy("Pick the reason for declining.")


def _washout_days(maintenance: bool) -> int:
    ldn = settings.LDN
    return ldn["MAINTENANCE_OPIOID_WASHOUT_DAYS"] if maintenance else ldn["OPIOID_WASHOUT_DAYS"]


def _rules_proposal(plan: PausePlan) -> opioids.Proposal:
    ldn = settings.LDN
    return opioids.propose_pause(
        kind=opioids.PROCEDURE if plan.kind == Kind.PROCEDURE else opioids.COURSE,
        stop_before_days=ldn["STOP_BEFORE_PROCEDURE_DAYS"],
        washout_days=plan.washout_days,
        same_dose_max_break_days=ldn["RESUME_SAME_DOSE_MAX_BREAK_DAYS"],
        procedure_on=plan.procedure_on,
        opioids_after=plan.opioids_after,
        last_opioid_on=plan.last_opioid_on,
        course_starts_on=plan.course_starts_on,
        course_ends_on=plan.course_ends_on,
    )


def _check(plan: PausePlan, today: date) -> None:
    """Refuse what cannot be planned, next to the field it concerns."""
    ldn = settings.LDN
    latest = today + timedelta(days=ldn["PLAN_MAX_DAYS_AHEAD"])
    errors = {}
    if plan.kind == Kind.PROCEDURE:
        if plan.procedure_on is None:
            errors["procedure_on"] = NO_PROCEDURE_DAY
        elif not today <= plan.procedure_on <= latest:
            errors["procedure_on"] = _(
                "Pick the day of the procedure from today to %(latest)s (a year ahead)."
            ) % {"latest": day(latest)}
        elif plan.opioids_after and plan.last_opioid_on and plan.last_opioid_on < plan.procedure_on:
            errors["last_opioid_on"] = _(
                "The last day of opioids cannot be before the procedure, on %(day)s."
            ) % {"day": day(plan.procedure_on)}
        elif plan.last_opioid_on and plan.last_opioid_on > plan.procedure_on + timedelta(
            days=ldn["OPIOID_COURSE_MAX_DAYS"]
        ):
            errors["last_opioid_on"] = _(
                "Plan opioids for at most %(days)d days after the procedure; the care team "
                "plans a longer course with you."
            ) % {"days": ldn["OPIOID_COURSE_MAX_DAYS"]}
    elif plan.kind == Kind.COURSE:
        if not plan.medication_name:
            errors["medication_name"] = NO_OPIOID_NAME
        elif not plan.opioid_ingredient:
            errors["medication_name"] = _(
                "%(name)s is not recognised as an opioid: a pause is planned only for an "
                "opioid. Check the spelling, or plan a procedure instead."
            ) % {"name": plan.medication_name}
        if plan.course_starts_on is None:
            errors["course_starts_on"] = NO_FIRST_DAY
        elif not today <= plan.course_starts_on <= latest:
            errors["course_starts_on"] = _(
                "Pick the first day from today to %(latest)s (a year ahead)."
            ) % {"latest": day(latest)}
        if plan.course_ends_on is None:
            errors["course_ends_on"] = NO_LAST_DAY
        elif plan.course_starts_on and plan.course_ends_on < plan.course_starts_on:
            errors["course_ends_on"] = _("The last day cannot be before the first day.")
        elif (
            plan.course_starts_on
            and (plan.course_ends_on - plan.course_starts_on).days >= ldn["OPIOID_COURSE_MAX_DAYS"]
        ):
            errors["course_ends_on"] = _(
                "A short course lasts at most %(days)d days; the care team plans a longer one "
                "with you."
            ) % {"days": ldn["OPIOID_COURSE_MAX_DAYS"]}
    else:
        errors["kind"] = NO_KIND
    if errors:
        raise ValidationError(errors)


def _apply(plan: PausePlan, proposal: opioids.Proposal) -> None:
    plan.last_dose_on = proposal.last_dose_on
    plan.pause_from = proposal.pause_from
    plan.restart_on = proposal.restart_on
    plan.same_dose = proposal.same_dose


def _open_regimen(patient: Patient) -> Regimen:
    regimen = (
        Regimen.objects.select_for_update(of=("self",))
        .filter(patient=patient, status__in=Regimen.OPEN)
        .first()
    )
    if regimen is None:
        raise ValidationError(
            {
                "kind": _(
                    "There is no LDN regimen to pause: a pause is planned once your care team "
                    "has started one."
                )
            }
        )
    return regimen


def _history(plan: PausePlan, kind: str, *, actor: User | None, now: datetime, note: str = ""):
    _event(plan.regimen, kind, actor=actor, now=now, effective_on=plan.pause_from, note=note[:500])


def _summary(plan: PausePlan) -> str:
    return _("%(label)s: last dose %(last)s, LDN again from %(restart)s.") % {
        "label": plan.label,
        "last": day(plan.last_dose_on),
        "restart": day(plan.restart_on),
    }


@transaction.atomic
def plan_propose(
    *,
    patient: Patient,
    created_by: User,
    kind: str,
    today: date,
    procedure_on: date | None = None,
    procedure_kind: str = "",
    opioids_after: bool = False,
    last_opioid_on: date | None = None,
    medication_name: str = "",
    course_starts_on: date | None = None,
    course_ends_on: date | None = None,
    now: datetime | None = None,
) -> PausePlan:
    """Record a planned procedure or a prescribed short opioid course and propose, from the
    rules, when to stop and restart LDN. The care team approves it before it applies."""
    now = now or timezone.now()
    regimen = _open_regimen(patient)
    screened = screen_medication(medication_name) if kind == Kind.COURSE else None
    plan = PausePlan(
        patient=patient,
        regimen=regimen,
        kind=kind,
        procedure_on=procedure_on if kind == Kind.PROCEDURE else None,
        procedure_kind=procedure_kind if kind == Kind.PROCEDURE else "",
        opioids_after=opioids_after if kind == Kind.PROCEDURE else False,
        last_opioid_on=last_opioid_on if kind == Kind.PROCEDURE and opioids_after else None,
        medication_name=medication_name.strip()[:200] if kind == Kind.COURSE else "",
        opioid_ingredient=(
            screened.ingredient or "" if screened is not None and screened.action == "block" else ""
        ),
        course_starts_on=course_starts_on if kind == Kind.COURSE else None,
        course_ends_on=course_ends_on if kind == Kind.COURSE else None,
        created_by=created_by,
        created_at=now,
    )
    maintenance = (
        screened is not None and screened.washout_days > settings.LDN["OPIOID_WASHOUT_DAYS"]
    )
    plan.washout_days = _washout_days(maintenance)
    _check(plan, today)
    _apply(plan, _rules_proposal(plan))
    plan._change_reason = f"proposed by user {created_by.pk}"
    plan.save()
    _history(plan, RegimenEvent.Kind.PLAN_PROPOSED, actor=created_by, now=now, note=_summary(plan))
    status_refresh(patient=patient, now=now)
    return plan


def _decides(plan: PausePlan, user: User) -> bool:
    """`user` is a provider on the patient's care team: one who decides pauses."""
    return user.role == Role.PROVIDER and is_on_care_team(provider=user, patient=plan.patient)


def _may_decide(plan: PausePlan, provider: User) -> None:
    if not _decides(plan, provider):
        raise ValidationError(_("Only a provider on the patient's care team decides a pause."))


def _tell_care_team(plan: PausePlan, now: datetime) -> None:
    """A notice to each provider on the care team: the patient moved an approved pause."""
    for membership in plan.patient.memberships.filter(until__isnull=True):
        notify_now(
            recipient=membership.provider,
            kind=NotificationKind.PAUSE,
            key=f"pause:{MOVED}:{plan.pk}:{now.isoformat()}:{membership.provider_id}",
            context={"moment": MOVED, "plan": plan.pk},
            now=now,
        )


def _locked(plan: PausePlan, *allowed: str) -> PausePlan:
    locked = (
        PausePlan.objects.select_for_update()
        .select_related("regimen", "patient__user")
        .get(pk=plan.pk)
    )
    if locked.status not in allowed:
        raise ValidationError(
            _("This pause is %(status)s: it cannot be changed any more.")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


def _pause_if_begun(plan: PausePlan, today: date, now: datetime) -> None:
    """An approved pause whose first day has come pauses the regimen at once."""
    regimen = plan.regimen
    regimen.refresh_from_db()
    if plan.status == Status.APPROVED and plan.pause_from <= today and regimen.is_active:
        reason = (
            DecisionReason.SURGERY if plan.kind == Kind.PROCEDURE else DecisionReason.OPIOID_NEEDED
        )
        regimen_pause(
            regimen=regimen,
            decided_by=None,
            reason=reason,
            today=today,
            note=plan.label,
            now=now,
        )


@transaction.atomic
def plan_approve(
    *,
    plan: PausePlan,
    decided_by: User,
    today: date,
    last_dose_on: date | None = None,
    restart_on: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> PausePlan:
    """A provider approves the pause, as proposed or more cautiously: an earlier last dose
    or a later restart, never the other way (the washout is not shortened)."""
    now = now or timezone.now()
    _may_decide(plan, decided_by)
    plan = _locked(plan, Status.PROPOSED, Status.APPROVED)
    rules = _rules_proposal(plan)
    errors = {}
    if (restart_on or rules.restart_on) <= today:
        raise ValidationError(
            _("This pause would already be over: change its dates, or decline it.")
        )
    if last_dose_on is not None and last_dose_on > rules.last_dose_on:
        if plan.kind == Kind.PROCEDURE:
            errors["last_dose_on"] = _(
                "The last dose can be on %(day)s at the latest, %(days)d days before the procedure."
            ) % {
                "day": day(rules.last_dose_on),
                "days": settings.LDN["STOP_BEFORE_PROCEDURE_DAYS"],
            }
        else:
            errors["last_dose_on"] = _(
                "The last dose can be on %(day)s at the latest, the evening before the first "
                "opioid dose."
            ) % {"day": day(rules.last_dose_on)}
    if restart_on is not None and restart_on < rules.restart_on:
        errors["restart_on"] = _(
            "LDN can restart on %(day)s at the earliest, when the washout is over."
        ) % {"day": day(rules.restart_on)}
    if errors:
        raise ValidationError(errors)
    plan.last_dose_on = last_dose_on or rules.last_dose_on
    plan.pause_from = plan.last_dose_on + timedelta(days=1)
    plan.restart_on = restart_on or rules.restart_on
    plan.same_dose = (plan.restart_on - plan.pause_from).days <= settings.LDN[
        "RESUME_SAME_DOSE_MAX_BREAK_DAYS"
    ]
    plan.status, plan.decided_by, plan.decided_at = Status.APPROVED, decided_by, now
    plan.decision_note = note.strip()[:500]
    plan._change_reason = f"approved by user {decided_by.pk}"
    plan.save()
    _history(plan, RegimenEvent.Kind.PLAN_APPROVED, actor=decided_by, now=now, note=_summary(plan))
    _pause_if_begun(plan, today, now)
    regimen_plan_changed(regimen=plan.regimen, now=now)
    return plan


@transaction.atomic
def plan_change(
    *,
    plan: PausePlan,
    changed_by: User,
    today: date,
    procedure_on: date | None = None,
    last_opioid_on: date | None = None,
    course_ends_on: date | None = None,
    now: datetime | None = None,
) -> PausePlan:
    """The procedure moved, or the course ends on another day: everything is planned again at
    once from the rules, keeping any extra caution the approving provider added. The plan
    returned says whether the care team was told (`care_team_told`).

    Moved by anyone but a provider on the care team (the patient), an approved pause stays
    approved with its new dates, so the days without LDN follow the new procedure day or
    course at once (a pause that waited for approval could leave LDN on Tonight beside an
    opioid), and each provider on the care team is told to check them; the restart is
    theirs to confirm in any case (docs/clinical-rules.md §2.8)."""
    now = now or timezone.now()
    plan = _locked(plan, Status.PROPOSED, Status.APPROVED)
    before = _rules_proposal(plan)
    dates_before = (plan.last_dose_on, plan.restart_on)
    extra_before = (before.last_dose_on - plan.last_dose_on).days
    extra_after = (plan.restart_on - before.restart_on).days
    if plan.kind == Kind.PROCEDURE:
        plan.procedure_on = procedure_on or plan.procedure_on
        if plan.opioids_after:
            plan.last_opioid_on = last_opioid_on or plan.last_opioid_on
    else:
        plan.course_ends_on = course_ends_on or plan.course_ends_on
    _check(plan, today)
    after = _rules_proposal(plan)
    plan.last_dose_on = after.last_dose_on - timedelta(days=max(extra_before, 0))
    plan.pause_from = plan.last_dose_on + timedelta(days=1)
    plan.restart_on = after.restart_on + timedelta(days=max(extra_after, 0))
    plan.same_dose = (plan.restart_on - plan.pause_from).days <= settings.LDN[
        "RESUME_SAME_DOSE_MAX_BREAK_DAYS"
    ]
    moved_by_patient = (
        plan.status == Status.APPROVED
        and (plan.last_dose_on, plan.restart_on) != dates_before
        and not _decides(plan, changed_by)
    )
    note = _summary(plan)
    plan._change_reason = f"changed by user {changed_by.pk}"
    plan.save()
    plan.care_team_told = moved_by_patient  # for the page's words
    _history(plan, RegimenEvent.Kind.PLAN_CHANGED, actor=changed_by, now=now, note=note)
    if moved_by_patient:
        _tell_care_team(plan, now)
    _pause_if_begun(plan, today, now)
    regimen_plan_changed(regimen=plan.regimen, now=now)
    return plan


@transaction.atomic
def plan_decline(
    *, plan: PausePlan, decided_by: User, reason: str, note: str = "", now=None
) -> PausePlan:
    """A provider declines a proposed pause, with a coded reason."""
    now = now or timezone.now()
    _may_decide(plan, decided_by)
    plan = _locked(plan, Status.PROPOSED)
    if reason not in PausePlan.DeclineReason.values:
        raise ValidationError({"reason": NO_DECLINE_REASON})
    if reason == PausePlan.DeclineReason.OTHER and not note.strip():
        raise ValidationError({"note": rules.OTHER_WITHOUT_NOTE})
    plan.status, plan.decided_by, plan.decided_at = Status.DECLINED, decided_by, now
    plan.decline_reason, plan.decision_note = reason, note.strip()[:500]
    plan._change_reason = f"declined by user {decided_by.pk}"
    plan.save()
    _history(plan, RegimenEvent.Kind.PLAN_DECLINED, actor=decided_by, now=now, note=note)
    status_refresh(patient=plan.patient, now=now)
    return plan


@transaction.atomic
def plan_cancel(*, plan: PausePlan, cancelled_by: User, now=None) -> PausePlan:
    """The patient or the care team cancels a pause that is not needed any more. A regimen
    already paused by it stays paused until a provider resumes it."""
    now = now or timezone.now()
    plan = _locked(plan, Status.PROPOSED, Status.APPROVED)
    plan.status = Status.CANCELLED
    plan._change_reason = f"cancelled by user {cancelled_by.pk}"
    plan.save(update_fields=["status"])
    _history(plan, RegimenEvent.Kind.PLAN_CANCELLED, actor=cancelled_by, now=now)
    regimen_plan_changed(regimen=plan.regimen, now=now)
    return plan
