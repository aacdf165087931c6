"""A diary day: one QuestionnaireResponse, the Observations derived from it (each score and
each side effect answered), and a Provenance naming who entered it. PGIC answers likewise:
a QuestionnaireResponse and one Observation (docs/clinical-rules.md §9)."""

from functools import lru_cache

from interop.fhir.caregiver import caregiver_ref
from interop.fhir.codes import (
    GLUCOSE_CODE,
    LOINC,
    PAIN_LOINC,
    PGIC_CODE,
    PROVENANCE_AGENT_TYPE,
    SCORES,
    SEVERITY,
    STOOLS_CODE,
    SURVEY,
    UCUM,
)
from interop.fhir.references import patient_ref, ref, resource
from patients.rules.side_effects import ITEMS

PGIC_WORDS = {
    1: "Very much improved",
    2: "Much improved",
    3: "Minimally improved",
    4: "No change",
    5: "Minimally worse",
    6: "Much worse",
    7: "Very much worse",
}


def _score_code(ctx, key: str) -> dict:
    coding = [{"system": ctx.system, "code": key.replace("_", "-"), "display": SCORES[key]}]
    if key == "pain":
        coding.insert(
            0,
            {
                "system": LOINC,
                "code": PAIN_LOINC,
                "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
            },
        )
    return {"coding": coding, "text": SCORES[key]}


def _observation(record, ctx, *, rid, code, day, value, derived_from, performer) -> dict:
    # Built whole, with no empty value, so it skips `resource`'s clean-up: a diary of years
    # has tens of thousands of these.
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": [SURVEY],
        "code": code,
        "subject": performer,
        "effectiveDateTime": day.isoformat(),
        "performer": [performer],
        "derivedFrom": [derived_from],
        **value,
    }


def _entered_by(record, user_id, at) -> dict:
    """The patient, the caregiver (their RelatedPerson) or someone on the care team."""
    if user_id == record.patient.user_id:
        return patient_ref(record.patient)
    caregiver = caregiver_ref(record, user_id, at)
    if caregiver is not None:
        return caregiver
    return {"display": (record.names.get(user_id) or "").strip() or "Care team"}


@lru_cache(maxsize=8)
def _codes(ctx) -> dict:
    """The code and each severity value of every diary item, made once per code system."""
    codes = {key: _score_code(ctx, key) for key in SCORES}
    for item in ITEMS:
        name = str(item.name)
        codes[item.field] = {
            "coding": [{"system": ctx.system, "code": item.code, "display": name}],
            "text": name,
        }
    codes["severity"] = {
        value: {
            "valueCodeableConcept": {
                "coding": [{"system": ctx.system, "code": f"severity-{value}", "display": word}],
                "text": word,
            }
        }
        for value, word in SEVERITY.items()
    }
    codes["glucose"] = {
        "coding": [{"system": ctx.system, "code": GLUCOSE_CODE}],
        "text": "Fasting glucose",
    }
    codes["stools"] = {
        "coding": [{"system": ctx.system, "code": STOOLS_CODE}],
        "text": "Stools per day",
    }
    return codes


def diary_observations(record, ctx, entry) -> list[dict]:
    codes = _codes(ctx)
    source = {"reference": f"QuestionnaireResponse/diary-{entry.pk}"}
    performer = patient_ref(record.patient)
    common = {"day": entry.local_date, "derived_from": source, "performer": performer}
    prefix = f"diary-{entry.pk}-"
    out = []
    for key in SCORES:
        value = getattr(entry, key)
        if value is not None:
            rid = prefix + key.replace("_", "-")
            value = {"valueInteger": value}
            out.append(_observation(record, ctx, rid=rid, code=codes[key], value=value, **common))
    severities = codes["severity"]
    for item in ITEMS:
        value = getattr(entry, item.field)
        if value is not None:
            out.append(
                _observation(
                    record,
                    ctx,
                    rid=prefix + item.code,
                    code=codes[item.field],
                    value=severities[value],
                    **common,
                )
            )
    if entry.fasting_glucose is not None:
        unit = entry.glucose_unit or "mmol/L"
        quantity = {"value": float(entry.fasting_glucose), "unit": unit, "system": UCUM}
        quantity["code"] = unit
        out.append(
            _observation(
                record,
                ctx,
                rid=prefix + GLUCOSE_CODE,
                code=codes["glucose"],
                value={"valueQuantity": quantity},
                **common,
            )
        )
    if entry.stools_per_day is not None:
        out.append(
            _observation(
                record,
                ctx,
                rid=prefix + STOOLS_CODE,
                code=codes["stools"],
                value={"valueInteger": entry.stools_per_day},
                **common,
            )
        )
    return out


def _answer_item(link_id: str, text: str, answer: dict) -> dict:
    return {"linkId": link_id, "text": text, "answer": [answer]}


def diary_response(record, ctx, entry) -> dict:
    # Built whole, with no empty value (like the Observations): one per diary day.
    codes = _codes(ctx)
    items = []
    for key, text in SCORES.items():
        value = getattr(entry, key)
        if value is not None:
            items.append(_answer_item(key, text, {"valueInteger": value}))
    for item in ITEMS:
        value = getattr(entry, item.field)
        if value is not None:
            name = codes[item.field]["text"]
            items.append(_answer_item(item.code, name, {"valueInteger": value}))
    if entry.other_effect_text.strip():
        answer = {"valueString": entry.other_effect_text}
        items.append(_answer_item("other-effect-text", "Which side effect", answer))
    if entry.fasting_glucose is not None:
        items.append(
            _answer_item(
                GLUCOSE_CODE,
                f"Fasting glucose ({entry.glucose_unit})",
                {"valueDecimal": float(entry.fasting_glucose)},
            )
        )
    if entry.stools_per_day is not None:
        items.append(
            _answer_item(STOOLS_CODE, "Stools per day", {"valueInteger": entry.stools_per_day})
        )
    if entry.notes.strip():
        items.append(_answer_item("notes", "Notes", {"valueString": entry.notes}))
    me = patient_ref(record.patient)
    data = {
        "resourceType": "QuestionnaireResponse",
        "id": f"diary-{entry.pk}",
        "questionnaire": ctx.diary_questionnaire,
        "status": "completed",
        "subject": me,
        "authored": entry.updated_at.isoformat(),
        "author": _entered_by(record, entry.entered_by_id, entry.created_at),
        "source": me,
    }
    if items:
        data["item"] = items
    return data


def diary_provenance(record, ctx, entry) -> dict:
    """Who entered the day: the patient (author), or, for the patient (enterer), one of
    their caregivers (a RelatedPerson) or someone on the care team."""
    by_patient = entry.entered_by_id == record.patient.user_id
    agent_type = "author" if by_patient else "enterer"
    who = _entered_by(record, entry.entered_by_id, entry.created_at)
    agent = {
        "type": {"coding": [{"system": PROVENANCE_AGENT_TYPE, "code": agent_type}]},
        "who": who,
    }
    if not by_patient:
        agent["onBehalfOf"] = patient_ref(record.patient)
        caregiver = who.get("type") == "RelatedPerson"
        agent["role"] = [{"text": "Caregiver" if caregiver else "Care team"}]
    # Built whole, with no empty value (like the Observations): one per diary day.
    return {
        "resourceType": "Provenance",
        "id": f"diary-{entry.pk}",
        "target": [ref("QuestionnaireResponse", f"diary-{entry.pk}")],
        "recorded": entry.created_at.isoformat(),
        "agent": [agent],
    }


def pgic_response(record, ctx, answer) -> dict:
    data = {
        "id": f"pgic-{answer.pk}",
        "questionnaire": ctx.pgic_questionnaire,
        "status": "completed",
        "subject": patient_ref(record.patient),
        "authored": answer.created_at.isoformat(),
        "author": _entered_by(record, answer.entered_by_id, answer.created_at),
        "item": [
            _answer_item(
                PGIC_CODE,
                "Patient Global Impression of Change",
                {
                    "valueCoding": {
                        "system": ctx.system,
                        "code": f"pgic-{answer.score}",
                        "display": PGIC_WORDS.get(answer.score, str(answer.score)),
                    }
                },
            )
        ],
    }
    return resource("QuestionnaireResponse", data)


def pgic_observation(record, ctx, answer) -> dict:
    return _observation(
        record,
        ctx,
        rid=f"pgic-{answer.pk}",
        code={
            "coding": [
                {
                    "system": ctx.system,
                    "code": PGIC_CODE,
                    "display": "Patient Global Impression of Change (1-7)",
                }
            ],
            "text": "Patient Global Impression of Change",
        },
        day=answer.answered_on,
        value={"valueInteger": answer.score},
        derived_from=ref("QuestionnaireResponse", f"pgic-{answer.pk}"),
        performer=patient_ref(record.patient),
    )
