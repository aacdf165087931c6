from datetime import timedelta

from interop.fhir.references import patient_ref, resource

STATUS = {
    "booked": "pending",
    "reschedule": "pending",
    "confirmed": "booked",
    "completed": "fulfilled",
    "cancelled": "cancelled",
}
KIND = {
    "video": "Video call",
    "phone": "Phone call",
    "in_person": "In person",
    "diary_review": "Diary review",
}
LENGTH = timedelta(minutes=30)


def appointment_resource(record, ctx, checkin) -> dict:
    status = STATUS.get(checkin.status, "proposed")
    patient_answer = "accepted" if checkin.status in ("confirmed", "completed") else "needs-action"
    if checkin.status == "cancelled":
        patient_answer = "declined"
    participants = [
        {"actor": patient_ref(record.patient), "status": patient_answer, "required": "required"}
    ]
    if checkin.provider_id:
        name = record.names.get(checkin.provider_id, "") or "Care team"
        participants.append({"actor": {"display": name}, "status": "accepted"})
    data = {
        "id": str(checkin.pk),
        "status": status,
        "serviceType": [{"text": KIND.get(checkin.kind, checkin.kind)}],
        "description": f"LDN check-in: {KIND.get(checkin.kind, checkin.kind).lower()}",
        "start": checkin.starts_at.isoformat(),
        "end": (checkin.starts_at + LENGTH).isoformat(),
        "created": checkin.created_at.isoformat(),
        "participant": participants,
    }
    return resource("Appointment", data)
