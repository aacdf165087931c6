"""MedicationStatement for the medication list; MedicationRequest for each LDN regimen, one
dosageInstruction per titration step (docs/clinical-rules.md §9)."""

from datetime import timedelta
from decimal import Decimal

from interop.fhir.codes import UCUM
from interop.fhir.references import patient_ref, resource

WHEN = {"bedtime": "HS", "morning": "MORN"}
ROUTE_SYSTEM = "http://snomed.info/sct"
ROUTES = {
    "capsule": ("26643006", "Oral route"),
    "liquid": ("26643006", "Oral route"),
    "drops": ("37839007", "Sublingual route"),
}
REGIMEN_STATUS = {
    "active": "active",
    "paused": "on-hold",
    "completed": "completed",
    "stopped": "stopped",
}


def _number(value: Decimal) -> Decimal:
    return value.normalize() if value == value.to_integral() else value


def _mg(value: Decimal) -> str:
    text = format(_number(Decimal(value)), "f")
    return text


def medication_statement_status(medication, today) -> str:
    if medication.stopped_on and medication.stopped_on <= today:
        return "completed"
    if medication.started_on and medication.started_on > today:
        return "intended"
    return "active"


def medication_statements(record, ctx) -> list[dict]:
    opioid_ext = ctx.extension("opioid-screening")
    out = []
    for med in record.medications:
        notes = []
        extension = []
        if med.screening == "block":
            notes.append(
                f"Opioid ({med.opioid_ingredient or 'opioid'}): naltrexone blocks it; "
                "no LDN while it is taken and during its washout."
            )
        elif med.screening == "warn":
            notes.append(
                f"Opioid-related ({med.opioid_ingredient or 'opioid'}): see the care team."
            )
        if med.screening in ("block", "warn"):
            extension.append({"url": opioid_ext, "valueCode": med.screening})
        if med.is_full_dose_naltrexone:
            notes.append("Full-dose naltrexone: duplicates the LDN.")
        period = {
            "start": med.started_on.isoformat() if med.started_on else None,
            "end": med.stopped_on.isoformat() if med.stopped_on else None,
        }
        data = {
            "id": str(med.pk),
            "extension": extension,
            "status": medication_statement_status(med, record.today),
            "medicationCodeableConcept": {"text": med.name},
            "subject": patient_ref(record.patient),
            "effectivePeriod": period,
            "dateAsserted": med.created_at.isoformat(),
            "dosage": [{"text": med.dose_text}] if med.dose_text else None,
            "note": [{"text": n} for n in notes],
        }
        out.append(resource("MedicationStatement", data))
    return out


def _medication_text(regimen) -> str:
    return f"Naltrexone, low dose, compounded: {regimen.formulation_label}"


def _dosage(regimen, step, end, ctx) -> dict:
    start = step.started_on or step.planned_on
    when = WHEN.get(step.dose_time, "HS")
    route_code, route_display = ROUTES.get(regimen.form, ROUTES["capsule"])
    time_words = "at bedtime" if when == "HS" else "in the morning"
    return {
        "extension": [{"url": ctx.extension("step-status"), "valueCode": step.status}],
        "sequence": step.sequence,
        "text": f"{_mg(step.dose_mg)} mg once a day {time_words} ({regimen.formulation_label})",
        "timing": {
            "repeat": {
                "boundsPeriod": {
                    "start": start.isoformat(),
                    "end": end.isoformat() if end else None,
                },
                "frequency": 1,
                "period": 1,
                "periodUnit": "d",
                "when": [when],
            }
        },
        "route": {"coding": [{"system": ROUTE_SYSTEM, "code": route_code}], "text": route_display},
        "doseAndRate": [
            {
                "doseQuantity": {
                    "value": float(step.dose_mg),
                    "unit": "mg",
                    "system": UCUM,
                    "code": "mg",
                }
            }
        ],
    }


def medication_request(record, regimen, ctx) -> dict:
    steps = sorted(regimen.step_list, key=lambda s: s.sequence)
    dosages = []
    for index, step in enumerate(steps):
        if index + 1 < len(steps):
            following = steps[index + 1]
            end = (following.started_on or following.planned_on) - timedelta(days=1)
            start = step.started_on or step.planned_on
            end = max(end, start)
        else:
            end = regimen.ended_on
        dosages.append(_dosage(regimen, step, end, ctx))
    data = {
        "id": f"regimen-{regimen.pk}",
        "status": REGIMEN_STATUS.get(regimen.status, "unknown"),
        "intent": "order",
        "medicationCodeableConcept": {"text": _medication_text(regimen)},
        "subject": patient_ref(record.patient),
        "authoredOn": regimen.created_at.isoformat(),
        "requester": {"display": record.names.get(regimen.started_by_id, "")},
        "dosageInstruction": dosages,
        "note": [{"text": f"Protocol: {regimen.protocol.name}"}],
    }
    return resource("MedicationRequest", data)


def medication_requests(record, ctx) -> list[dict]:
    return [medication_request(record, r, ctx) for r in record.regimens]
