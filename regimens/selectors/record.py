"""The LDN treatment as the care team's patient record shows it, read once for the page's
treatment cards (regimen_tags: regimen_summary, opioid_status_card, supply_card): the open
regimen with its protocol and steps, the open pause plans, the opioid status and the supply.
The record page asks for it through patients.treatment (RegimenTreatment.for_record) and
hands it to each card, so that no card reads the regimen, the pause plans or the
medications again. Takes a patient already resolved for the viewer."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from patients.models import Medication, Patient
from regimens import opioids
from regimens.models import PausePlan, Regimen
from regimens.selectors.opioids import (
    blocking_medications,
    open_pause_plans,
    opioid_status_and_next_change,
)
from regimens.selectors.regimens import current_regimen
from regimens.selectors.supply import Read, Supply, supply_for


@dataclass(frozen=True)
class RecordTreatment:
    patient: Patient
    today: date  # the patient's local date
    regimen: Regimen | None  # active or paused, with its protocol and steps
    plans: list[PausePlan]  # waiting for the care team or approved, soonest first
    opioid: opioids.Status  # on `today`
    supply: Supply

    def is_of(self, patient: Patient) -> bool:
        return self.patient.pk == patient.pk


def record_treatment(
    *,
    patient: Patient,
    today: date,
    medications: Iterable[Medication] | None = None,
    now: datetime | None = None,
) -> RecordTreatment:
    """The treatment cards' data as of `today` (the patient's local date). `medications`:
    the patient's medications when the caller has read them (the record page has); the ones
    that block LDN are read otherwise."""
    medications = (
        blocking_medications(patient=patient) if medications is None else list(medications)
    )
    regimen = current_regimen(patient=patient)
    plans = open_pause_plans(patient=patient)
    approved = [plan for plan in plans if plan.status == PausePlan.Status.APPROVED]
    status, _next_change = opioid_status_and_next_change(
        patient=patient, today=today, approved=approved, medications=medications
    )
    return RecordTreatment(
        patient=patient,
        today=today,
        regimen=regimen,
        plans=plans,
        opioid=status,
        supply=supply_for(
            patient=patient,
            today=today,
            now=now,
            read=Read(regimen=regimen, medications=medications, approved=approved),
        ),
    )
