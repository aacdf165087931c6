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
from patients.models import CheckIn, Condition, DiaryEntry, Medication, Patient, PGICResponse
from patients.rules.side_effects import ITEMS
from portal.accounts.models import User
from regimens.models import Protocol, Regimen, TitrationStep

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
def diary_entries(draw, patient_user, provider):
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
            entered_by_id=draw(st.sampled_from([patient_user.pk, provider.pk])),
            created_at=NOW,
            updated_at=NOW,
        )
        for item in ITEMS:
            setattr(entry, item.field, draw(severity))
        out.append(entry)
    return out


@st.composite
def records(draw):
    user = User(pk=1, email="p@example.org", name=draw(text), role="patient", timezone="UTC")
    provider = User(pk=2, email="d@example.org", name=draw(text), role="provider")
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
        diary=draw(diary_entries(user, provider)),
        pgic=pgic,
        checkins=checkins,
        names={user.pk: user.name or user.email, provider.pk: provider.name or provider.email},
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
    for entry, prov in zip(record.diary, by_kind["Provenance"], strict=True):
        by_patient = entry.entered_by_id == record.patient.user_id
        expected = "author" if by_patient else "enterer"
        assert prov["agent"][0]["type"]["coding"][0]["code"] == expected
