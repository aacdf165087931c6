from interop.fhir.references import resource


def patient_resource(record, ctx=None) -> dict:
    patient = record.patient
    user = patient.user
    return resource(
        "Patient",
        {
            "id": str(patient.pk),
            "active": user.is_active,
            "name": [{"text": user.name}] if user.name else None,
            "telecom": [{"system": "email", "value": user.email, "use": "home"}],
            "birthDate": patient.date_of_birth.isoformat() if patient.date_of_birth else None,
            "generalPractitioner": [
                {"display": provider.name or provider.email} for provider in record.care_team
            ],
        },
    )
