"""Caregivers as RelatedPerson: one resource per grant the patient gave (its period is the
grant's, active while the grant lasts), and the reference to the caregiver who did
something at a given time."""

from interop.fhir.references import patient_ref, resource


def _rid(grant) -> str:
    return f"caregiver-{grant.pk}"


def related_person_resources(record, ctx) -> list[dict]:
    out = []
    for grant in record.caregivers:
        name = (record.names.get(grant.caregiver_id) or "").strip()
        period = {"start": grant.since.isoformat()}
        if grant.ended_at:
            period["end"] = grant.ended_at.isoformat()
        data = {
            "id": _rid(grant),
            "active": grant.ended_at is None,
            "patient": patient_ref(record.patient),
            "relationship": [{"text": "Caregiver"}],
            "name": [{"text": name}] if name else [],
            "period": period,
        }
        out.append(resource("RelatedPerson", data))
    return out


def caregiver_ref(record, user_id, at) -> dict | None:
    """The RelatedPerson of caregiver `user_id` for something done at `at` (the grant in
    force then, else their latest), or None when `user_id` is no caregiver of the record."""
    grants = [g for g in record.caregivers if g.caregiver_id == user_id]
    if not grants:
        return None
    current = [g for g in grants if g.since <= at and (g.ended_at is None or at <= g.ended_at)]
    grant = (current or grants)[-1]
    out = {"reference": f"RelatedPerson/{_rid(grant)}", "type": "RelatedPerson"}
    name = (record.names.get(user_id) or "").strip()
    if name:
        out["display"] = name
    return out
