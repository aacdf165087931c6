"""Writes about the supply: recording a fill (the patient or the care team), keeping the
"supply cannot make a planned step" flag in line with the fills and the plan, asking the care
team for a refill (a request, a notice and a message) and marking a request handled. Each in
one transaction, with history."""

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messaging.models import Topic
from messaging.services.conversations import conversation_start
from patients.models import Flag, Patient
from patients.services.flags import flag_raise
from patients.status import status_refresh
from portal.accounts.models import User
from portal.lib.formats import day as long_day
from portal.lib.formats import mg
from portal.lib.timing import local_date
from portal.notifications.models import Kind
from portal.notifications.services import notify_now, reminders_replan_on_commit
from regimens import safety, supply
from regimens.models import RefillRequest, SupplyFill
from regimens.selectors.regimens import current_regimen
from regimens.selectors.supply import Supply, supply_for

NO_FORM = gettext_lazy("Choose capsules, a liquid or drops.")


def _limits(patient: Patient) -> safety.DoseLimits:
    regimen = current_regimen(patient=patient)
    if regimen is not None:
        return regimen.protocol.dose_limits()
    ldn = settings.LDN
    allowed = ldn.get("ALLOWED_CEILING_MG")
    return safety.DoseLimits(
        protocol_ceiling_mg=Decimal(str(ldn["LDN_MAX_MG"])),
        ldn_max_mg=Decimal(str(ldn["LDN_MAX_MG"])),
        standard_dose_mg=Decimal(str(ldn["STANDARD_DOSE_MG"])),
        allowed_ceiling_mg=Decimal(str(allowed)) if allowed else None,
    )


def _today(patient: Patient, now: datetime) -> date:
    return local_date(now, patient.user.timezone)


@transaction.atomic
def supply_fill_record(
    *,
    patient: Patient,
    entered_by: User,
    on: date,
    form: str,
    strength_mg: Decimal,
    quantity: Decimal,
    today: date,
    now: datetime | None = None,
) -> SupplyFill:
    """Keep a fill; refused, saving nothing, when supply.fill_errors finds anything wrong.
    The run-out reminder and the strength flag follow at once."""
    now = now or timezone.now()
    if form not in (supply.CAPSULE, supply.LIQUID, supply.DROPS):
        raise ValidationError({"form": NO_FORM})
    regimen = current_regimen(patient=patient)
    step = regimen.current_step if regimen is not None else None
    errors = supply.fill_errors(
        on=on,
        today=today,
        form=form,
        strength_mg=strength_mg,
        quantity=quantity,
        limits=_limits(patient),
        dose_now_mg=step.dose_mg if step is not None else None,
    )
    if errors:
        raise ValidationError(errors)
    fill = SupplyFill(
        patient=patient,
        on=on,
        form=form,
        strength_mg=strength_mg,
        quantity=quantity,
        entered_by=entered_by,
        entered_at=now,
    )
    fill._change_reason = "recorded"
    fill.save()
    if supply_check(patient=patient, now=now):
        status_refresh(patient=patient, now=now)
    reminders_replan_on_commit(patient.user)
    return fill


def supply_check(*, patient: Patient, now: datetime | None = None) -> bool:
    """Bring the "supply cannot make a planned step" flags in line with the fills and the
    plan: one per latest fill and step it cannot make, told to the patient when raised
    (the care team sees the flag), closed when a fill or the plan no longer shows it. A
    flag the care team reviewed is not raised again for the same fill and step. Runs inside
    the caller's transaction; True when a flag opened or closed (the status row follows)."""
    now = now or timezone.now()
    open_flags = Flag.objects.filter(
        patient=patient, kind=Flag.Kind.SUPPLY_STRENGTH, resolved_at__isnull=True
    )
    if not SupplyFill.objects.filter(patient=patient).exists() and not open_flags.exists():
        return False  # no fill, nothing to say (most plan changes)
    view = supply_for(patient=patient, today=_today(patient, now), now=now)
    latest = view.fills[0].pk if view.fills else None
    wanted = {
        f"supply:{latest}:{problem.step_on.isoformat()}:{mg(problem.dose_mg)}": problem
        for problem in view.problems
    }
    changed = False
    for flag in open_flags:
        if flag.cause not in wanted:
            flag.resolved_at = now
            flag.resolution_note = _("A new fill or a change of plan no longer shows it.")
            flag._change_reason = "supply no longer short"
            flag.save(update_fields=["resolved_at", "resolution_note"])
            changed = True
    known = set(
        Flag.objects.filter(
            patient=patient, kind=Flag.Kind.SUPPLY_STRENGTH, cause__in=wanted
        ).values_list("cause", flat=True)
    )
    for cause, problem in wanted.items():
        if cause in known:
            continue
        flag = flag_raise(
            patient=patient,
            kind=Flag.Kind.SUPPLY_STRENGTH,
            severity=Flag.Severity.ATTENTION,
            reason=_(
                "%(what)s of the fill of %(fill)s cannot make the %(dose)s mg step planned "
                "from %(day)s."
            )
            % {
                "what": supply.strength_words(problem.fill.form, problem.fill.strength_mg),
                "fill": long_day(problem.fill.on),
                "dose": mg(problem.dose_mg),
                "day": long_day(problem.step_on),
            },
            cause=cause,
            now=now,
        )
        notify_now(
            recipient=patient.user,
            kind=Kind.SUPPLY,
            key=f"supply:strength:{flag.pk}",
            context={"moment": "strength", "flag": flag.pk},
            now=now,
        )
        changed = True
    return changed


@transaction.atomic
def refill_request_send(
    *,
    patient: Patient,
    requested_by: User,
    today: date,
    note: str = "",
    now: datetime | None = None,
) -> RefillRequest:
    """Ask the care team for a refill: the quantity that reaches the next check-in (or
    SUPPLY_REFILL_DAYS), in the portal, as a notice to each provider on the care team and as
    a conversation from the requester (the patient, or a caregiver as themselves) in the care
    team's inbox, with the quantity and the compounding pharmacy."""
    now = now or timezone.now()
    view = supply_for(patient=patient, today=today, now=now)
    if view.regimen is None or view.refill is None:
        raise ValidationError(_("There is no regimen to refill: your care team starts one."))
    if view.open_request is not None:
        raise ValidationError(
            _("You asked for a refill on %(day)s; your care team has not handled it yet.")
            % {"day": long_day(local_date(view.open_request.requested_at, patient.user.timezone))}
        )
    refill = view.refill
    quantity = refill.label or _("a strength your care team chooses (the one in hand cannot)")
    request = RefillRequest(
        patient=patient,
        requested_by=requested_by,
        requested_at=now,
        runs_out_on=view.runs_out_on,
        covers_until=refill.until,
        quantity_text=quantity[:200],
        note=note.strip()[:500],
    )
    request._change_reason = "requested"
    request.save()
    for membership in patient.memberships.filter(until__isnull=True).select_related("provider"):
        notify_now(
            recipient=membership.provider,
            kind=Kind.SUPPLY,
            key=f"supply:refill:{request.pk}:{membership.provider_id}",
            context={"moment": "refill", "refill": request.pk},
            now=now,
        )
    _refill_message(request=request, view=view, now=now)
    return request


def _refill_message(*, request: RefillRequest, view: Supply, now: datetime) -> None:
    """The refill request as a message to the care team (topic: medications or pharmacy),
    written in the portal's language like other text the portal keeps for the care team."""
    patient, refill = request.patient, view.refill
    with translation.override(settings.LANGUAGE_CODE):
        quantity = refill.label or _("a strength the care team chooses (the one in hand cannot)")
        if refill.checkin is not None:
            needed = _("Needed to reach the check-in on %(day)s: %(quantity)s.")
        else:
            needed = _("Needed to last until %(day)s (no check-in booked): %(quantity)s.")
        lines = [
            _("Refill request for LDN."),
            needed % {"day": long_day(refill.until), "quantity": quantity},
        ]
        if view.runs_out_on is not None:
            lines.append(_("The supply runs out on %(day)s.") % {"day": long_day(view.runs_out_on)})
        if patient.pharmacy_name:
            pharmacy = patient.pharmacy_name
            if patient.pharmacy_phone:
                pharmacy = f"{pharmacy}, {patient.pharmacy_phone}"
            lines.append(_("Compounding pharmacy: %(pharmacy)s.") % {"pharmacy": pharmacy})
        else:
            lines.append(_("No compounding pharmacy is on the profile."))
        if request.note:
            lines.append(_("Note: %(note)s") % {"note": request.note})
        conversation_start(
            patient=patient,
            started_by=request.requested_by,
            subject=_("Refill request"),
            topic=Topic.MEDICATIONS,
            body="\n".join(lines),
            now=now,
        )


@transaction.atomic
def refill_request_handle(
    *, request: RefillRequest, handled_by: User, now: datetime | None = None
) -> RefillRequest:
    """A provider on the care team marks the request handled (the prescription is sent)."""
    request = RefillRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RefillRequest.Status.OPEN:
        raise ValidationError(_("This request was already handled."))
    request.status = RefillRequest.Status.HANDLED
    request.handled_by, request.handled_at = handled_by, now or timezone.now()
    request._change_reason = "handled"
    request.save(update_fields=["status", "handled_by", "handled_at"])
    return request
