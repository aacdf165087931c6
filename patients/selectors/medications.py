"""Reads of the medication list that the rest of the portal reasons with: opioids and their
washout (docs/clinical-rules.md, section 2)."""

from datetime import date, timedelta

from patients.models import Medication, Patient


def opioid_washout_ends(medication: Medication) -> date | None:
    """The first opioid-free day counted from the stop date, or None while it is taken."""
    if medication.stopped_on is None:
        return None
    return medication.stopped_on + timedelta(days=medication.washout_days)


def opioid_block(*, patient: Patient, today: date) -> list[Medication]:
    """Opioids that stand in the way of starting LDN today: taken now, or inside the washout.

    Source: naltrexone label (opioid-free 7-10 days; up to 2 weeks after methadone or
    buprenorphine). Loperamide only warns and never blocks.
    """
    blocking = []
    for medication in patient.medications.filter(screening=Medication.Screening.BLOCK):
        ends = opioid_washout_ends(medication)
        if ends is None or ends > today:
            blocking.append(medication)
    return blocking
