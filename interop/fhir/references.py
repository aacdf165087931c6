from fhir.resources.R4B import get_fhir_model_class

"""References between resources and the ids each kind uses ([A-Za-z0-9-.], 64 at most)."""


def patient_ref(patient) -> dict:
    out = {"reference": f"Patient/{patient.pk}"}
    if patient.user.name.strip():
        out["display"] = patient.user.name
    return out


def ref(kind: str, rid: str, display: str = "") -> dict:
    out = {"reference": f"{kind}/{rid}"}
    if display:
        out["display"] = display
    return out


def clean(data: dict) -> dict:
    """Leave out empty values: FHIR allows no empty strings, lists or objects."""
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = clean(value)
        elif isinstance(value, list):
            value = [clean(v) if isinstance(v, dict) else v for v in value]
            value = [
                v
                for v in value
                if v not in (None, "", {}, []) and not (isinstance(v, str) and not v.strip())
            ]
        if value in (None, "", {}, []) or (isinstance(value, str) and not value.strip()):
            continue  # FHIR strings need a character that is not white space
        out[key] = value
    return out


def resource(kind: str, data: dict) -> dict:
    """A resource as JSON-ready data: `validated` turns it into the fhir.resources model."""
    return clean({"resourceType": kind, **data})


def validated(data: dict):
    """The fhir.resources (R4B) model of a resource, validated: raises on anything invalid."""
    return get_fhir_model_class(data["resourceType"]).model_validate(data)
