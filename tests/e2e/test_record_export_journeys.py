"""The record leaves the portal, in a browser: a patient downloads the LDN passport from
Profile and opens it, then asks for all their data, watches it being prepared by a real
Celery worker, and downloads the zip once."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from messaging.services.conversations import conversation_start
from patients.services.diary import diary_entry_save
from patients.services.medications import medication_add
from portal.audit.models import AccessEvent
from portal.lib.timing import local_today
from tests.e2e.helpers import log_in
from tests.factories import PatientUserFactory
from tests.worker import celery_worker

pytestmark = [pytest.mark.e2e, pytest.mark.worker]


def _pdf_text(path: Path) -> str:
    reader = PdfReader(str(path))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def test_a_patient_downloads_the_passport_and_all_their_data(page, live_server, settings):
    settings.SITE_URL = live_server.url
    user = PatientUserFactory(email="journey@example.org", name="Jo Journey")
    patient = user.patient
    today = local_today(patient)
    diary_entry_save(patient=patient, day=today, entered_by=user, today=today, values={"pain": 5})
    medication_add(patient=patient, name="Tramadol 50 mg", added_by=user)
    conversation_start(
        patient=patient, started_by=user, subject="Dreams", topic="other", body="Vivid dreams"
    )

    log_in(page, "journey@example.org")
    page.goto("/profile/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my LDN passport (PDF)").click()
    text = _pdf_text(Path(download.value.path()))
    assert "Jo Journey" in text
    assert "Naltrexone blocks opioids" in text
    assert "Tramadol 50 mg" in text
    assert "In an emergency" in text

    page.get_by_role("link", name="Download my data").click()
    with celery_worker():
        page.get_by_role("button", name="Prepare a new download").click()
        link = page.get_by_role("link", name="Download the zip")
        expect(link).to_be_visible(timeout=120_000)  # the page asks every 2 s
        with page.expect_download() as download:
            link.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    bundle = json.loads(archive.read("record.fhir.json"))
    pains = [
        e["resource"]["valueInteger"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == "72514-3"
    ]
    assert pains == [5]
    passport = PdfReader(io.BytesIO(archive.read("ldn-passport.pdf")))
    assert "Jo Journey" in passport.pages[0].extract_text()
    assert "Tramadol 50 mg" in archive.read("csv/medications.csv").decode()
    assert "Vivid dreams" in archive.read("csv/messages.csv").decode()
    (message,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Communication"
    ]
    assert message["payload"] == [{"contentString": "Vivid dreams"}]
    assert AccessEvent.objects.filter(patient=patient, action="export_record").count() == 1

    page.goto("/profile/my-data/")
    expect(page.get_by_text("Downloaded on")).to_be_visible()
    expect(page.get_by_role("link", name="Download the zip")).to_have_count(0)
