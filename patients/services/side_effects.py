"""A side effect reported between diary days: by the patient on Tonight, or by the care team
on the regimen page. It joins the diary's side effects in the one read path
(patients.selectors.side_effects) and is judged by the same flag rules at once: a severe one
raises the urgent flag and the care team's safety notice in the same request."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from patients.models import SideEffectReport
from patients.rules import side_effects as catalogue
from patients.services.flags import flags_evaluate
from portal.accounts.models import User
from portal.lib.timing import local_today


@transaction.atomic
def side_effect_report(
    *,
    regimen,
    on: date,
    kind: str,
    severity: int,
    entered_by: User,
    note: str = "",
    now: datetime | None = None,
) -> SideEffectReport:
    """Record a side effect on a day of an open regimen (the regimen it happened on)."""
    regimen.refresh_from_db(fields=["status"])
    if not regimen.is_open:
        raise ValidationError(
            _("This regimen has ended, so side effects can no longer be added to it.")
        )
    if kind not in catalogue.BY_KEY or catalogue.item(kind) not in catalogue.REPORTABLE:
        raise ValidationError({"kind": _("Pick the side effect from the list.")})
    if severity not in (catalogue.MILD, catalogue.MODERATE, catalogue.SEVERE):
        raise ValidationError({"severity": _("Pick mild, moderate or severe.")})
    report = SideEffectReport(
        regimen=regimen,
        patient_id=regimen.patient_id,
        on=on,
        kind=kind,
        severity=severity,
        note=note.strip()[:300],
        entered_by=entered_by,
    )
    report._change_reason = "reported"
    report.save()
    patient = report.patient
    flags_evaluate(patient=patient, today=local_today(patient), now=now)
    return report
