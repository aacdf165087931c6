"""Profile → Download my data: a zip built by the worker's task, its progress on the page,
the link working once and for 24 hours, the download in the access log."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from interop.models import DataExport
from interop.services import data_export_build
from patients.services.diary import diary_entry_save
from patients.services.medications import medication_add
from portal.audit.models import AccessEvent
from portal.lib.timing import local_today

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
