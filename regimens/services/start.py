"""Starting a regimen from a protocol version."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import Patient
from portal.accounts.models import User
from portal.lib.formats import plain_mg
from regimens import safety, titration
from regimens.models import Protocol, Regimen, TitrationStep
from regimens.services._shared import (
    Kind,
    _check_planned,
    _dose_errors,
    _event,
    _opioid_check,
    _save,
    regimen_plan_changed,
)


@transaction.atomic
def regimen_start(
    *,
    patient: Patient,
    protocol: Protocol,
    formulation: safety.Formulation,
    dose_time: str,
    start_on: date,
    started_by: User,
    today: date,
    start_mg: Decimal | None = None,
    above_ceiling_reason: str = "",
    opioid_override_reason: str = "",
    now: datetime | None = None,
) -> Regimen:
    """Start a regimen from a protocol version; plan its steps with titration.plan_steps.

    Refused while an opioid blocks LDN (naltrexone label; patients.selectors.opioid_block)
    unless the provider overrides with a written reason (docs/clinical-rules.md §2.6), and while
    the patient has another active or paused regimen.
    """
    now = now or timezone.now()
    # One start at a time per patient; the unique constraint is the last word.
    Patient.objects.select_for_update().get(pk=patient.pk)
    if not protocol.is_current:
        raise ValidationError({"protocol": _("This protocol version is retired; pick another.")})
    if Regimen.objects.filter(patient=patient, status__in=Regimen.OPEN).exists():
        raise ValidationError(
            _("%(name)s already has an active or paused regimen. Stop it before starting another.")
            % {"name": patient.name or patient.user.email}
        )
    problem = safety.formulation_problem(formulation)
    if problem:
        raise ValidationError({"form": problem})
    override = opioid_override_reason.strip()
    blocking = _opioid_check(patient, today, override)
    dose = start_mg if start_mg is not None else protocol.start_mg
    if start_mg is not None:
        errors = _dose_errors(
            dose, protocol, formulation, above_ceiling_reason=above_ceiling_reason
        )
        if errors:
            raise ValidationError({"start_mg": errors})
    rules = protocol.rules(dose_quantum_mg=safety.dose_quantum(formulation))
    planned = titration.plan_steps(rules=rules, start_mg=dose, start_on=start_on)
    # The protocol's own doses: a formulation that cannot measure them is the problem.
    _check_planned(planned if start_mg is None else planned[1:], formulation, protocol, "form")
    planned = planned[1:]

    regimen = Regimen(
        patient=patient,
        protocol=protocol,
        form=formulation.kind,
        capsule_strengths=",".join(
            plain_mg(s) for s in sorted(set(formulation.capsule_strengths_mg))
        ),
        concentration_mg_per_ml=formulation.concentration_mg_per_ml,
        mg_per_drop=formulation.mg_per_drop,
        dose_time=dose_time,
        started_on=start_on,
        opioid_override_reason=override if blocking else "",
        started_by=started_by,
    )
    _save(regimen, "started" + (" with an opioid override" if blocking else ""))
    first = TitrationStep(
        regimen=regimen,
        sequence=1,
        dose_mg=dose,
        dose_time=dose_time,
        planned_on=start_on,
        started_on=start_on,
        status=TitrationStep.Status.CURRENT,
        decided_by=started_by,
        above_ceiling_reason=above_ceiling_reason.strip()[:500]
        if dose > protocol.ceiling_mg
        else "",
    )
    _save(first, "started")
    for sequence, (planned_dose, day) in enumerate(planned, start=2):
        step = TitrationStep(
            regimen=regimen,
            sequence=sequence,
            dose_mg=planned_dose,
            dose_time=dose_time,
            planned_on=day,
        )
        _save(step, "planned")
    _event(
        regimen,
        Kind.STARTED,
        actor=started_by,
        now=now,
        to_mg=dose,
        effective_on=start_on,
        dose_time=dose_time,
    )
    if blocking:
        _event(regimen, Kind.OPIOID_OVERRIDE, actor=started_by, now=now, note=override[:500])
    regimen_plan_changed(regimen=regimen, now=now)
    return regimen
