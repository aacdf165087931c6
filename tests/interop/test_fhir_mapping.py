"""Every resource and bundle the portal emits validates with fhir.resources (R4B models, the
same as R4 for these resources): over the demo patients and over generated diaries."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interop.fhir.bundle import KINDS, everything, resources_of, searchset
from interop.fhir.codes import Context
from interop.fhir.record import Record
from interop.fhir.references import validated
from interop.selectors import record_read
from messaging.models import Attachment, Conversation, Message
from messaging.services.conversations import conversation_start
from patients.models import (
    CaregiverGrant,
    CheckIn,
    Condition,
    DiaryEntry,
    Medication,
    Patient,
    PGICResponse,
)
from patients.rules.side_effects import ITEMS
from portal.accounts.models import User
from regimens.models import Protocol, Regimen, SupplyFill, TitrationStep

CTX = Context(site="https://portal.example.org")


def _roundtrip(resources):
    """The bundle as JSON, validated by fhir.resources as a whole and resource by resource."""
    bundle = json.loads(
        json.dumps(searchset(resources, base=CTX.site + "/fhir", self_url=CTX.site + "/fhir/x"))
    )
    assert Bundle.model_validate(bundle).total == len(resources)
    for entry in bundle.get("entry", []):
        validated(entry["resource"])
    return bundle


@pytest.mark.django_db
def test_every_demo_patient_exports_a_valid_bundle():
    call_command("seed_demo", verbosity=0)
    pat = Patient.objects.get(user__email="patient@example.com")
    conversation_start(
        patient=pat,
        started_by=pat.user,
        subject="Vivid dreams",
        topic="side_effect",
        body="Since the step up I dream a lot. Should I take it in the morning?",
    )
    kinds_seen = set()
    for patient in Patient.objects.all():
        record = record_read(patient)
        resources = everything(record, CTX)
        data = _roundtrip(resources)
        kinds_seen |= {e["resource"]["resourceType"] for e in data.get("entry", [])}
        ids = [(e["resource"]["resourceType"], e["resource"]["id"]) for e in data["entry"]]
        assert len(ids) == len(set(ids)), "two resources share a type and id"
    assert kinds_seen == set(KINDS)


# Generated records: unsaved rows (the mappings are pure and never read the database).
NOW = timezone.now()
text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=40)
score = st.none() | st.integers(0, 10)
severity = st.none() | st.integers(0, 3)
day = st.dates(date(2020, 1, 1), date(2030, 12, 31))


@st.composite
def diary_entries(draw, patient_user, provider, caregiver):
    days = draw(st.lists(day, unique=True, max_size=12))
    out = []
    for pk, when in enumerate(days, start=1):
        glucose = draw(st.none() | st.decimals(Decimal("1.0"), Decimal("999.9"), places=1))
        entry = DiaryEntry(
            pk=pk,
            patient_id=1,
            local_date=when,
            pain=draw(score),
            fatigue=draw(score),
            sleep_quality=draw(score),
            mood=draw(score),
            other_effect_text=draw(text),
            fasting_glucose=glucose,
            glucose_unit=draw(st.sampled_from(["mmol/L", "mg/dL"])) if glucose else "",
            stools_per_day=draw(st.none() | st.integers(0, 40)),
            notes=draw(text),
            entered_by_id=draw(st.sampled_from([patient_user.pk, provider.pk, caregiver.pk])),
            created_at=NOW,
            updated_at=NOW,
        )
        for item in ITEMS:
            setattr(entry, item.field, draw(severity))
        out.append(entry)
    return out


@st.composite
def conversations(draw, senders):
    out = []
    pk = 0
    for c in range(draw(st.integers(0, 3))):
        conversation = Conversation(
            pk=c + 1,
            subject=draw(text.filter(str.strip)),
            topic=draw(st.sampled_from(["dose", "side_effect", "medications", "checkin", "other"])),
            created_at=NOW,
        )
        conversation.message_list = []
        for _ in range(draw(st.integers(1, 4))):
            pk += 1
            sent = NOW + timedelta(minutes=draw(st.integers(-10_000, 10_000)))
            sender = draw(st.sampled_from(senders))
            message = Message(
                pk=pk,
                conversation=conversation,
                sender_id=sender.pk,
                from_patient=sender.role != "provider",
                body=draw(text.filter(str.strip)),
                sent_at=sent,
                urgent=draw(st.booleans()),
                withdrawn_at=draw(st.none() | st.just(sent + timedelta(minutes=2))),
            )
            message.attachment_list = [
                Attachment(
                    pk=pk * 10 + a,
                    name=draw(st.sampled_from(["rash.jpg", "label.png", "letter.pdf"])),
                    content_type=draw(
                        st.sampled_from(["image/jpeg", "image/png", "application/pdf"])
                    ),
                    size=draw(st.integers(1, 5_000_000)),
                )
                for a in range(draw(st.integers(0, 2)))
            ]
            conversation.message_list.append(message)
        out.append(conversation)
    return out


@st.composite
def records(draw):
    user = User(pk=1, email="p@example.org", name=draw(text), role="patient", timezone="UTC")
    provider = User(pk=2, email="d@example.org", name=draw(text), role="provider")
    caregiver = User(pk=3, email="c@example.org", name=draw(text), role="caregiver")
    caregivers = [
        CaregiverGrant(
            pk=1,
            caregiver_id=caregiver.pk,
            since=NOW - timedelta(days=400),
            ended_at=draw(st.none() | st.just(NOW + timedelta(days=1))),
        )
    ]
    if draw(st.booleans()):  # asked again after an earlier grant ended
        caregivers.insert(
            0,
            CaregiverGrant(
                pk=2,
                caregiver_id=caregiver.pk,
                since=NOW - timedelta(days=800),
                ended_at=NOW - timedelta(days=500),
            ),
        )
    patient = Patient(
        pk=1,
        user=user,
        date_of_birth=draw(st.none() | day),
        other_condition=draw(text),
        pharmacy_name=draw(text),
    )
    today = draw(day)
    conditions = [
        Condition(pk=i, name=f"Condition {i}", code_system=system, code=code)
        for i, (system, code) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["snomed", "icd10", ""]),
                        st.from_regex(r"[0-9]{5,9}", fullmatch=True),
                    ),
                    max_size=3,
                )
            ),
            start=1,
        )
    ]
    medications = []
    for i in range(draw(st.integers(0, 4))):
        start = draw(st.none() | day)
        stop = draw(st.none() | day)
        if start and stop and stop < start:
            start, stop = stop, start
        medications.append(
            Medication(
                pk=i + 1,
                patient=patient,
                name=draw(text.filter(str.strip)),
                dose_text=draw(text),
                started_on=start,
                stopped_on=stop,
                screening=draw(st.sampled_from(["none", "warn", "block"])),
                opioid_ingredient=draw(st.sampled_from(["", "tramadol", "codeine"])),
                is_full_dose_naltrexone=draw(st.booleans()),
                created_at=NOW,
            )
        )
    protocol = Protocol(pk=1, name="1 mg a week", family="p")
    regimens = []
    for r in range(draw(st.integers(0, 2))):
        form = draw(st.sampled_from(["capsule", "liquid", "drops"]))
        start = draw(day)
        regimen = Regimen(
            pk=r + 1,
            patient=patient,
            protocol=protocol,
            form=form,
            capsule_strengths="1.5,4.5" if form == "capsule" else "",
            concentration_mg_per_ml=Decimal("1") if form == "liquid" else None,
            mg_per_drop=Decimal("0.5") if form == "drops" else None,
            dose_time=draw(st.sampled_from(["bedtime", "morning"])),
            status=draw(st.sampled_from(["active", "paused", "completed", "stopped"])),
            started_on=start,
            ended_on=draw(st.none() | st.just(start + timedelta(days=200))),
            started_by_id=provider.pk,
            created_at=NOW,
        )
        regimen.step_list = [
            TitrationStep(
                pk=s + 1,
                regimen=regimen,
                sequence=s + 1,
                dose_mg=draw(st.decimals(Decimal("0.5"), Decimal("6"), places=1)),
                dose_time=regimen.dose_time,
                planned_on=start + timedelta(days=7 * s),
                started_on=draw(st.none() | st.just(start + timedelta(days=7 * s + 1))),
                status=draw(st.sampled_from(["planned", "current", "done"])),
            )
            for s in range(draw(st.integers(1, 5)))
        ]
        regimens.append(regimen)
    pgic = [
        PGICResponse(
            pk=i + 1,
            answered_on=draw(day),
            score=draw(st.integers(1, 7)),
            occasion="checkin",
            entered_by_id=draw(st.sampled_from([user.pk, provider.pk])),
            created_at=NOW,
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    checkins = [
        CheckIn(
            pk=i + 1,
            patient=patient,
            provider_id=provider.pk,
            starts_at=NOW + timedelta(days=draw(st.integers(-400, 400))),
            kind=draw(st.sampled_from([k for k, _ in CheckIn.Kind.choices])),
            status=draw(st.sampled_from([s for s, _ in CheckIn.Status.choices])),
            created_at=NOW,
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    return Record(
        patient=patient,
        today=today,
        conditions=conditions,
        care_team=draw(st.sampled_from([[], [provider]])),
        medications=medications,
        regimens=regimens,
        diary=draw(diary_entries(user, provider, caregiver)),
        pgic=pgic,
        checkins=checkins,
        names={
            user.pk: user.name or user.email,
            provider.pk: provider.name or provider.email,
            caregiver.pk: caregiver.name or caregiver.email,
        },
        conversations=draw(conversations([user, provider, caregiver])),
        caregivers=caregivers,
        fills=[
            SupplyFill(
                pk=i + 1,
                on=draw(day),
                form=draw(st.sampled_from(["capsule", "liquid", "drops"])),
                strength_mg=draw(st.decimals(Decimal("0.001"), Decimal("999.999"), places=3)),
                quantity=draw(st.decimals(Decimal("0.1"), Decimal("999999.9"), places=1)),
            )
            for i in range(draw(st.integers(0, 3)))
        ],
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=records())
def test_every_resource_of_a_generated_record_validates(record):
    resources = everything(record, CTX)
    data = _roundtrip(resources)
    by_kind = {kind: resources_of(record, CTX, kind) for kind in KINDS}
    assert sum(len(v) for v in by_kind.values()) == len(data.get("entry", []))
    observations = by_kind["Observation"]
    pain = [o for o in observations if o["code"]["coding"][0]["code"] == "72514-3"]
    assert len(pain) == sum(e.pain is not None for e in record.diary)
    assert all(o["category"][0]["coding"][0]["code"] == "survey" for o in observations)
    for regimen, request in zip(record.regimens, by_kind["MedicationRequest"], strict=True):
        dosages = request["dosageInstruction"]
        assert len(dosages) == len(regimen.step_list)
        for step, dosage in zip(regimen.step_list, dosages, strict=True):
            assert Decimal(str(dosage["doseAndRate"][0]["doseQuantity"]["value"])) == step.dose_mg
            when = ["HS" if step.dose_time == "bedtime" else "MORN"]
            assert dosage["timing"]["repeat"]["when"] == when
    opioids = [m for m in record.medications if m.screening == "block"]
    marked = [
        s
        for s in by_kind["MedicationStatement"]
        if any(x["valueCode"] == "block" for x in s.get("extension", []))
    ]
    assert len(marked) == len(opioids)
    related = {f"RelatedPerson/{r['id']}" for r in by_kind["RelatedPerson"]}
    assert len(related) == len(record.caregivers)
    for entry, prov in zip(record.diary, by_kind["Provenance"], strict=True):
        by_patient = entry.entered_by_id == record.patient.user_id
        expected = "author" if by_patient else "enterer"
        agent = prov["agent"][0]
        assert agent["type"]["coding"][0]["code"] == expected
        if entry.entered_by_id == 3:  # the caregiver, named as who they are
            assert agent["who"]["type"] == "RelatedPerson"
            assert agent["who"]["reference"] in related
            assert agent["role"] == [{"text": "Caregiver"}]
        elif not by_patient:
            assert agent["role"] == [{"text": "Care team"}]
    for fill, dispense in zip(record.fills, by_kind["MedicationDispense"], strict=True):
        assert Decimal(str(dispense["quantity"]["value"])) == fill.quantity
        assert dispense["whenHandedOver"] == fill.on.isoformat()
    messages = [m for c in record.conversations for m in c.message_list]
    communications = by_kind["Communication"]
    assert len(communications) == len(messages)
    for message, communication in zip(messages, communications, strict=True):
        assert communication["id"] == f"message-{message.pk}"
        if message.withdrawn_at:
            assert communication["status"] == "entered-in-error"
            assert "payload" not in communication
            continue
        assert communication["status"] == "completed"
        payload = communication["payload"]
        assert payload[0]["contentString"] == message.body
        attached = [p["contentAttachment"] for p in payload[1:]]
        assert [a["title"] for a in attached] == [a.name for a in message.attachment_list]
        assert all("data" not in a and "url" not in a for a in attached)
        sender = communication["sender"]
        if message.sender_id == 1:
            assert sender["reference"] == "Patient/1"
        elif message.sender_id == 3:
            assert sender["reference"] in related
        else:
            assert sender["type"] == "Practitioner"
