"""Profile → Download my data: a zip built by the worker's task, its progress on the page,
the link working once and for 24 hours, the download in the access log."""

import csv
import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from interop.fhir.codes import UCUM
from interop.models import DataExport
from interop.services import data_export_build
from messaging.services.attachments import clean_files
from messaging.services.conversations import message_send, message_withdraw
from patients.models import CaregiverGrant
from patients.services.care import caregiver_invite
from patients.services.diary import diary_entry_save
from patients.services.medications import medication_add
from patients.services.profile import care_team_add
from portal.accounts.services import invitation_accept_existing
from portal.audit.models import AccessEvent
from portal.content.models import ArticleRead
from portal.lib.timing import local_today
from regimens.services.supply import refill_request_send, supply_fill_record
from tests.content.factories import content
from tests.factories import CaregiverFactory
from tests.messaging.helpers import png, start
from tests.patients.diary_factories import NOW, TODAY, start_regimen

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(patient_user):
    patient = patient_user.patient
    today = local_today(patient)
    diary_entry_save(
        patient=patient,
        day=today,
        entered_by=patient_user,
        today=today,
        values={"pain": 6, "notes": "=SUM(A1)"},
    )
    medication_add(patient=patient, name="Codeine 30 mg", added_by=patient_user)
    return patient


def _ask(client, patient_user):
    client.force_login(patient_user)
    assert 'href="/profile/my-data/"' in client.get("/profile/").content.decode()
    client.post("/profile/my-data/")
    return DataExport.objects.get()


def test_a_spanish_speaking_patients_zip_holds_the_passport_in_spanish(
    client, patient, patient_user
):
    patient_user.language = "es"
    patient_user.save()
    export = _ask(client, patient_user)

    with translation.override("en"):  # the worker: no request, the portal's language
        data_export_build(export_id=export.pk)

    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/profile/my-data/{export.pk}/file/").content))
    passport = PdfReader(io.BytesIO(archive.read("ldn-passport.pdf"))).pages[0].extract_text()
    assert "Pasaporte de LDN" in passport and "En una emergencia" in passport
    assert "Naltrexone blocks opioids" not in passport


def test_the_zip_holds_the_fhir_bundle_the_tables_and_the_passport(client, patient, patient_user):
    export = _ask(client, patient_user)
    page = client.get("/profile/my-data/").content.decode()
    assert "Waiting to start" in page
    assert f'hx-get="/profile/my-data/{export.pk}/progress/"' in page

    assert data_export_build(export_id=export.pk) == "ready"
    row = client.get(f"/profile/my-data/{export.pk}/progress/").content.decode()
    assert "Download the zip" in row and "hx-get" not in row

    response = client.get(f"/profile/my-data/{export.pk}/file/")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"README.txt", "record.fhir.json", "ldn-passport.pdf", "csv/profile.csv"} <= names
    assert {"csv/diary.csv", "csv/medications.csv", "csv/dose_log.csv"} <= names
    bundle = json.loads(archive.read("record.fhir.json"))
    Bundle.model_validate(bundle)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "Observation", "MedicationStatement"} <= kinds
    diary = archive.read("csv/diary.csv").decode()
    assert "'=SUM(A1)" in diary  # no formula for a spreadsheet to run
    assert "Codeine 30 mg" in archive.read("csv/medications.csv").decode()
    passport = PdfReader(io.BytesIO(archive.read("ldn-passport.pdf")))
    assert "Naltrexone blocks opioids" in passport.pages[0].extract_text()

    event = AccessEvent.objects.get(patient=patient)
    assert event.action == "export_record" and event.actor == patient_user

    # Once only: the second try is refused, and the zip is gone from the database.
    again = client.get(f"/profile/my-data/{export.pk}/file/", follow=True)
    assert "no longer available" in again.content.decode()
    export.refresh_from_db()
    assert export.status == "downloaded" and export.content is None


def test_the_link_expires_after_24_hours(client, patient, patient_user):
    export = _ask(client, patient_user)
    data_export_build(export_id=export.pk)
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        client.force_login(patient_user)  # a new session the next day
        response = client.get(f"/profile/my-data/{export.pk}/file/", follow=True)
    assert "no longer available" in response.content.decode()
    export.refresh_from_db()
    assert export.status == "expired" and export.content is None
    assert not AccessEvent.objects.exists()


def test_asking_twice_while_preparing_makes_one_request(client, patient, patient_user):
    _ask(client, patient_user)
    client.post("/profile/my-data/")
    assert DataExport.objects.count() == 1


def test_no_one_else_reaches_the_download(
    client, patient, patient_user, other_patient_user, provider
):
    export = _ask(client, patient_user)
    data_export_build(export_id=export.pk)
    client.force_login(other_patient_user)
    assert client.get(f"/profile/my-data/{export.pk}/file/").status_code == 404
    assert client.get(f"/profile/my-data/{export.pk}/progress/").status_code == 404
    client.force_login(provider)
    assert client.get(f"/profile/my-data/{export.pk}/file/").status_code == 403
    export.refresh_from_db()
    assert export.status == "ready"


def _csv_rows(archive, name):
    return list(csv.DictReader(io.StringIO(archive.read(f"csv/{name}").decode())))


def test_the_zip_holds_supply_messages_and_caregivers(client, patient_user, provider):
    with time_machine.travel(NOW, tick=False):
        patient = patient_user.patient
        care_team_add(patient=patient, provider=provider, added_by=provider)
        start_regimen(patient, provider)
        supply_fill_record(
            patient=patient,
            entered_by=patient_user,
            on=TODAY,
            form="liquid",
            strength_mg=Decimal("1"),
            quantity=Decimal("30"),
            today=TODAY,
        )
        refill_request_send(patient=patient, requested_by=patient_user, today=TODAY, note="Soon")
        conversation = start(
            patient,
            body="The pharmacy sent 4.5 mg capsules",
            files=clean_files([png("label.png")]),
        )
        answer = message_send(conversation=conversation, sender=provider, body="Please wait.")
        oops = message_send(conversation=conversation, sender=patient_user, body="=Oops, wrong")
        message_withdraw(message=oops, by=patient_user)
        ana = CaregiverFactory(email="ana@example.org", name="Ana Ruiz")
        offer, _token = caregiver_invite(
            patient=patient, email=ana.email, permissions=["diary"], invited_by=patient_user
        )
        invitation_accept_existing(invitation=offer.invitation, user=ana)
        grant = CaregiverGrant.objects.get(caregiver=ana)
        diary_entry_save(
            patient=patient, day=TODAY, entered_by=ana, today=TODAY, values={"pain": 4}
        )

        export = _ask(client, patient_user)
        assert data_export_build(export_id=export.pk) == "ready"
        response = client.get(f"/profile/my-data/{export.pk}/file/")
    archive = zipfile.ZipFile(io.BytesIO(response.content))

    fills = _csv_rows(archive, "supply_fills.csv")
    assert [(f["form"], f["quantity"]) for f in fills] == [("liquid", "30.0")]
    refills = _csv_rows(archive, "refill_requests.csv")
    assert [(r["note"], r["status"]) for r in refills] == [("Soon", "open")]
    assert [c["subject"] for c in _csv_rows(archive, "conversations.csv")] == [
        "Refill request",  # the refill request's message to the care team
        "Wrong capsules",
    ]
    refill_message, *messages = _csv_rows(archive, "messages.csv")
    assert refill_message["body"].startswith("Refill request for LDN.")
    assert [(m["body"], m["attachments"]) for m in messages] == [
        ("The pharmacy sent 4.5 mg capsules", "label.png"),
        ("Please wait.", ""),
        ("", ""),  # withdrawn: kept, without its text, as the portal shows it
    ]
    assert messages[2]["withdrawn_at"]
    assert messages[1]["sender"] == provider.name
    caregivers = _csv_rows(archive, "caregivers.csv")
    assert [(c["caregiver"], c["can_keep_diary"], c["can_message"]) for c in caregivers] == [
        ("Ana Ruiz", "True", "False")
    ]

    bundle = json.loads(archive.read("record.fhir.json"))
    Bundle.model_validate(bundle)
    by_kind = {}
    for entry in bundle["entry"]:
        by_kind.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    assert [r["id"] for r in by_kind["RelatedPerson"]] == [f"caregiver-{grant.pk}"]
    (dispense,) = by_kind["MedicationDispense"]
    assert dispense["quantity"] == {"value": 30.0, "unit": "mL", "system": UCUM, "code": "mL"}
    assert dispense["medicationCodeableConcept"]["text"].endswith("liquid, 1 mg/mL")
    communications = {c["id"]: c for c in by_kind["Communication"]}
    first = communications[f"message-{conversation.messages.earliest('sent_at').pk}"]
    assert first["payload"][1]["contentAttachment"]["title"] == "label.png"
    assert communications[f"message-{answer.pk}"]["recipient"][0]["reference"] == (
        f"Patient/{patient.pk}"
    )
    assert communications[f"message-{oops.pk}"]["status"] == "entered-in-error"
    (provenance,) = by_kind["Provenance"]
    agent = provenance["agent"][0]
    assert agent["who"] == {
        "reference": f"RelatedPerson/caregiver-{grant.pk}",
        "type": "RelatedPerson",
        "display": "Ana Ruiz",
    }
    assert agent["type"]["coding"][0]["code"] == "enterer"


def test_the_zip_lists_the_articles_the_patient_read(
    client, patient, patient_user, other_patient_user, settings
):
    content(slug="export-read-twice", title="Read twice")
    content(slug="export-formula", title="=HYPERLINK(sleep)")
    content(slug="export-unread", title="Never opened")
    for slug in ("export-read-twice", "export-formula", "export-read-twice"):
        client.force_login(patient_user)
        assert client.get(f"/library/{slug}/").status_code == 200
    client.force_login(other_patient_user)
    client.get("/library/export-unread/")

    export = _ask(client, patient_user)
    assert data_export_build(export_id=export.pk) == "ready"
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/profile/my-data/{export.pk}/file/").content))
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/articles_read.csv").decode())))
    reads = {r.article.slug: r for r in ArticleRead.objects.filter(user=patient_user)}
    assert [r["title"] for r in rows] == ["Read twice", "'=HYPERLINK(sleep)"]
    first = rows[0]
    assert first["link"] == settings.SITE_URL + "/library/export-read-twice/"
    assert first["first_read"] == reads["export-read-twice"].first_read_at.isoformat()
    assert first["last_read"] == reads["export-read-twice"].last_read_at.isoformat()
    assert first["first_read"] < first["last_read"]
    assert "library articles you read" in archive.read("README.txt").decode()
