"""Every resource of a patient's record, and the Bundles the API answers with."""

from interop.fhir.appointment import appointment_resource
from interop.fhir.caregiver import related_person_resources
from interop.fhir.communication import communication_resources
from interop.fhir.condition import condition_resources
from interop.fhir.diary import (
    diary_observations,
    diary_provenance,
    diary_response,
    pgic_observation,
    pgic_response,
)
from interop.fhir.medication import medication_requests, medication_statements
from interop.fhir.patient import patient_resource
from interop.fhir.supply import dispense_resources

KINDS = (
    "Patient",
    "Condition",
    "MedicationStatement",
    "MedicationRequest",
    "MedicationDispense",
    "Observation",
    "QuestionnaireResponse",
    "Provenance",
    "Appointment",
    "RelatedPerson",
    "Communication",
)


def resources_of(record, ctx, kind: str) -> list:
    """The patient's resources of one kind, in the record's order."""
    if kind == "Patient":
        return [patient_resource(record, ctx)]
    if kind == "Condition":
        return condition_resources(record, ctx)
    if kind == "MedicationStatement":
        return medication_statements(record, ctx)
    if kind == "MedicationRequest":
        return medication_requests(record, ctx)
    if kind == "Observation":
        out = []
        for entry in record.diary:
            out.extend(diary_observations(record, ctx, entry))
        out.extend(pgic_observation(record, ctx, answer) for answer in record.pgic)
        return out
    if kind == "QuestionnaireResponse":
        out = [diary_response(record, ctx, entry) for entry in record.diary]
        out.extend(pgic_response(record, ctx, answer) for answer in record.pgic)
        return out
    if kind == "Provenance":
        return [diary_provenance(record, ctx, entry) for entry in record.diary]
    if kind == "Appointment":
        return [appointment_resource(record, ctx, checkin) for checkin in record.checkins]
    if kind == "MedicationDispense":
        return dispense_resources(record, ctx)
    if kind == "RelatedPerson":
        return related_person_resources(record, ctx)
    if kind == "Communication":
        return communication_resources(record, ctx)
    raise ValueError(kind)


def everything(record, ctx) -> list:
    out = []
    for kind in KINDS:
        out.extend(resources_of(record, ctx, kind))
    return out


def searchset(resources: list[dict], *, base: str, self_url: str, total: int | None = None) -> dict:
    """A searchset Bundle of `resources` (JSON-ready data, like the resources); `total`
    when they are one page of more."""
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources) if total is None else total,
        "link": [{"relation": "self", "url": self_url}],
    }
    if resources:
        bundle["entry"] = [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ]
    return bundle
