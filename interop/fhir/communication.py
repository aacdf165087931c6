"""Messages as Communication: one per message, in its conversation's order.

The sender is the patient, a caregiver (their RelatedPerson) or someone on the care team;
the recipient is the other side. A withdrawn message keeps its place with status
`entered-in-error` and no payload: the portal no longer shows what it said, so neither does
the export. Attachments are listed by name and type only (`contentAttachment` with `title`,
`contentType` and `size`, no data and no URL): the files are served only by the portal's
access-checked download page, which an API token cannot open."""

from interop.fhir.caregiver import caregiver_ref
from interop.fhir.references import patient_ref, ref, resource

TOPICS = {
    "dose": "My dose",
    "side_effect": "A side effect",
    "medications": "My medications or pharmacy",
    "checkin": "A check-in",
    "other": "Something else",
}


def _rid(message) -> str:
    return f"message-{message.pk}"


def _party(record, user_id, at) -> dict:
    if user_id == record.patient.user_id:
        return patient_ref(record.patient)
    caregiver = caregiver_ref(record, user_id, at)
    if caregiver is not None:
        return caregiver
    name = (record.names.get(user_id) or "").strip() or "Care team"
    return {"type": "Practitioner", "display": name}


def _attachment(attachment) -> dict:
    return {
        "contentAttachment": {
            "contentType": attachment.content_type,
            "title": attachment.name,
            "size": attachment.size,
        }
    }


def message_resource(record, ctx, conversation, message, previous=None) -> dict:
    sender = _party(record, message.sender_id, message.sent_at)
    if message.sender_id == record.patient.user_id or sender.get("type") == "RelatedPerson":
        recipient = {"display": "Care team"}
    else:
        recipient = patient_ref(record.patient)
    withdrawn = message.withdrawn_at is not None
    payload = []
    if not withdrawn:
        if message.body.strip():
            payload.append({"contentString": message.body})
        payload.extend(_attachment(a) for a in message.attachment_list)
    topic = TOPICS.get(conversation.topic, conversation.topic)
    data = {
        "id": _rid(message),
        "status": "entered-in-error" if withdrawn else "completed",
        "category": [{"text": topic}],
        "priority": "urgent" if message.urgent else "routine",
        "subject": patient_ref(record.patient),
        "topic": {"text": conversation.subject},
        "sent": message.sent_at.isoformat(),
        "sender": sender,
        "recipient": [recipient],
        "payload": payload,
    }
    if previous is not None:
        data["inResponseTo"] = [ref("Communication", _rid(previous))]
    return resource("Communication", data)


def communication_resources(record, ctx) -> list[dict]:
    """Every message of every conversation; each answers the one before it in its thread."""
    out = []
    for conversation in record.conversations:
        previous = None
        for message in conversation.message_list:
            out.append(message_resource(record, ctx, conversation, message, previous))
            previous = message
    return out
