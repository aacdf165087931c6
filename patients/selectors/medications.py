"""Reads of the medication list that the rest of the portal reasons with: opioids and their
washout (docs/clinical-rules.md §2.5)."""

from datetime import date

from patients.models import Medication, Patient
from patients.rules.medications import opioid_blocks, washout_ends


def opioid_washout_ends(medication: Medication) -> date | None:
    """The first day LDN may be taken after this opioid, or None while it is taken."""
    return washout_ends(medication.stopped_on, medication.washout_days)


def opioid_block(*, patient: Patient, today: date) -> list[Medication]:
    """Opioids that stand in the way of starting LDN today: taken now, or inside the washout.

    Source: naltrexone label (opioid-free 7-10 days; up to 2 weeks after methadone or
    buprenorphine). Loperamide only warns and never blocks.
    """
    return [
        medication
        for medication in patient.medications.filter(screening=Medication.Screening.BLOCK)
        if opioid_blocks(
            started_on=medication.started_on,
            stopped_on=medication.stopped_on,
            washout_days=medication.washout_days,
            today=today,
        )
    ]
