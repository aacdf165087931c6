"""The LDN passport: one A4 page whose text says what another clinician must know."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from patients.models import Condition
from patients.services.medications import medication_add
from patients.services.profile import care_team_add
from portal.audit.models import AccessEvent
from portal.lib.timing import local_today
from regimens.models import Protocol
from regimens.safety import Formulation
from regimens.services.start import regimen_start
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


@pytest.fixture
def on_ldn(patient_user, provider):
    patient = patient_user.patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    patient.conditions.add(Condition.objects.get(code="203082005"))  # fibromyalgia
    ensure_protocols()
    today = local_today(patient)
    regimen_start(
        patient=patient,
        protocol=Protocol.objects.filter(retired_at__isnull=True).first(),
        formulation=Formulation(kind="liquid", concentration_mg_per_ml=Decimal("1")),
        dose_time="bedtime",
        start_on=today,
        started_by=provider,
        today=today,
    )
    return patient


def test_the_patient_downloads_a_one_page_passport_from_the_profile(
    client, on_ldn, patient_user, settings
):
    client.force_login(patient_user)
    assert 'href="/profile/passport.pdf"' in client.get("/profile/").content.decode()
    response = client.get("/profile/passport.pdf")
    assert response["Content-Type"] == "application/pdf"
    pages, text = pdf_text(response.content)
    assert pages == 1
    for words in (
        "Pat Patient",
        "17 May 1980",
        "liquid, 1 mg/mL",
        "At bedtime",
        "Riverside Compounding",
        "Fibromyalgia",
        "Dr Pia Provider (provider@example.org)",
        "Naltrexone blocks opioids",
        "opioid pain medicines",
        f"at least {settings.LDN['STOP_BEFORE_PROCEDURE_DAYS']} days before",
        "In an emergency",
    ):
        assert words in text, words
    assert " mg once a day" in text
    # Reading one's own record writes no access event.
    assert not AccessEvent.objects.exists()


def test_the_passport_names_an_opioid_on_the_list(client, on_ldn, patient_user):
    medication_add(patient=on_ldn, name="Tramadol 50 mg", added_by=patient_user)
    client.force_login(patient_user)
    _, text = pdf_text(client.get("/profile/passport.pdf").content)
    assert "Opioids on the medication list Tramadol 50 mg" in text


def test_the_care_team_downloads_it_from_the_record_and_it_is_audited(
    client, on_ldn, provider, other_provider
):
    client.force_login(provider)
    record = client.get(f"/patients/{on_ldn.pk}/").content.decode()
    assert f'href="/patients/{on_ldn.pk}/passport.pdf"' in record
    pages, text = pdf_text(client.get(f"/patients/{on_ldn.pk}/passport.pdf").content)
    assert pages == 1 and "Pat Patient" in text
    assert AccessEvent.objects.filter(actor=provider, action="passport").count() == 1
    client.force_login(other_provider)
    assert client.get(f"/patients/{on_ldn.pk}/passport.pdf").status_code == 404


def test_without_a_plan_the_passport_says_so(client, patient_user):
    client.force_login(patient_user)
    pages, text = pdf_text(client.get("/profile/passport.pdf").content)
    assert pages == 1
    assert "No LDN plan open in the portal" in text
    assert "Naltrexone blocks opioids" in text


def test_a_spanish_speaking_patient_gets_the_passport_in_spanish(client, on_ldn, patient_user):
    patient_user.language = "es"
    patient_user.save()
    client.force_login(patient_user)

    response = client.get("/profile/passport.pdf", HTTP_ACCEPT_LANGUAGE="en")

    pages, text = pdf_text(response.content)
    assert pages == 1
    for words in (
        "Pasaporte de LDN",
        "Fecha de nacimiento 17 may 1980",
        "Dosis actual de LDN 0,5 mg una vez al día",
        "líquido, 1 mg/mL",
        "Hora de la dosis Al acostarse",
        "Estado Toma LDN",
        "Farmacia de fórmulas magistrales Riverside Compounding",
        "La naltrexona bloquea los opioides",
        "los analgésicos opioides (morfina, codeína, tramadol",
        "al menos 3 días antes de la intervención",
        "En una emergencia",
        "Hecho por el Portal LDN el",
    ):
        assert words in text, words
    for english in (
        "LDN passport",
        "Date of birth",
        "once a day",
        "Taking LDN",
        "Naltrexone blocks opioids",
        "In an emergency",
        "not given",
    ):
        assert english not in text, english


def test_the_passport_follows_the_reader_not_the_patient(client, on_ldn, provider):
    provider.language = "es"
    provider.save()
    client.force_login(provider)

    _, text = pdf_text(client.get(f"/patients/{on_ldn.pk}/passport.pdf").content)

    assert "Pasaporte de LDN" in text and "En una emergencia" in text


def test_a_passport_without_a_plan_says_so_in_spanish(client, patient_user):
    patient_user.language = "es"
    patient_user.save()
    patient_user.patient.date_of_birth = None
    patient_user.patient.pharmacy_name = patient_user.patient.pharmacy_phone = ""
    patient_user.patient.save()
    client.force_login(patient_user)

    _, text = pdf_text(client.get("/profile/passport.pdf").content)

    assert "Ningún plan de LDN abierto en el portal" in text
    assert "Sin plan de LDN en el portal" in text
    assert "no indicado" in text
