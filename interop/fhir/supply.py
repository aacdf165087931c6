"""Supply fills as MedicationDispense: one per fill of LDN the patient or the care team
recorded, with the form, the strength and how much came. Refill requests are not mapped
(they are in the data download's CSV files)."""

from decimal import Decimal

from interop.fhir.codes import UCUM
from interop.fhir.references import patient_ref, resource

FORMS = {
    "capsule": ("capsules", "mg per capsule"),
    "liquid": ("liquid", "mg/mL"),
    "drops": ("sublingual drops", "mg per drop"),
}
QUANTITY = {
    "capsule": {"unit": "capsules"},
    "liquid": {"unit": "mL", "system": UCUM, "code": "mL"},
    "drops": {"unit": "drops", "system": UCUM, "code": "[drp]"},
}


def _number(value: Decimal) -> str:
    value = Decimal(value)
    return format(value.normalize() if value == value.to_integral() else value, "f")


def dispense_resource(record, ctx, fill) -> dict:
    form, per = FORMS.get(fill.form, (fill.form, "mg"))
    text = f"Naltrexone, low dose, compounded: {form}, {_number(fill.strength_mg)} {per}"
    data = {
        "id": f"fill-{fill.pk}",
        "status": "completed",
        "medicationCodeableConcept": {"text": text},
        "subject": patient_ref(record.patient),
        "quantity": {"value": float(fill.quantity), **QUANTITY.get(fill.form, {})},
        "whenHandedOver": fill.on.isoformat(),
    }
    return resource("MedicationDispense", data)


def dispense_resources(record, ctx) -> list[dict]:
    return [dispense_resource(record, ctx, fill) for fill in record.fills]
