from interop.fhir.codes import ICD10, SNOMED
from interop.fhir.references import patient_ref, resource

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"


def _common(record, rid: str, code: dict) -> dict:
    return {
        "id": rid,
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
        "category": [{"coding": [{"system": CATEGORY, "code": "problem-list-item"}]}],
        "code": code,
        "subject": patient_ref(record.patient),
    }


def condition_resources(record, ctx=None) -> list[dict]:
    """One Condition per catalogue condition (its SNOMED CT code when it has one), and one for
    the patient's own words under "other condition"."""
    out = []
    for condition in record.conditions:
        code = {"text": condition.name}
        system = {"snomed": SNOMED, "icd10": ICD10}.get(condition.code_system)
        if condition.code and system:
            code["coding"] = [{"system": system, "code": condition.code, "display": condition.name}]
        rid = f"{record.patient.pk}-{condition.pk}"
        out.append(resource("Condition", _common(record, rid, code)))
    if record.patient.other_condition:
        rid = f"{record.patient.pk}-other"
        code = {"text": record.patient.other_condition}
        out.append(resource("Condition", _common(record, rid, code)))
    return out
