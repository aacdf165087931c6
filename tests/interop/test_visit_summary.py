"""The visit summary PDF for the care team, and its server-drawn trend chart."""

import io
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from pypdf import PdfReader

from interop.rules.charts import trend_svg
from patients.services.diary import diary_entry_save
from patients.services.profile import care_team_add
from portal.audit.models import AccessEvent
from portal.lib.timing import local_today
from regimens.models import Protocol
from regimens.safety import Formulation
from regimens.services.reports import regimen_request_hold
from regimens.services.start import regimen_start
from tests.regimens.seeds import ensure_protocols

SVG = "{http://www.w3.org/2000/svg}"


def test_the_chart_draws_a_line_per_score_and_breaks_it_at_missing_days():
    first = date(2026, 1, 1)
    pain = [(first + timedelta(days=d), d % 10) for d in (0, 1, 2, 5, 6)]
    mood = [(first + timedelta(days=3), 7)]
    drawn = trend_svg({"Pain": pain, "Mood <&>": mood}, first=first, last=first + timedelta(days=9))
    svg = ET.fromstring(drawn)  # noqa: S314 (the portal's own output)
    assert svg.tag == f"{SVG}svg"
    lines = svg.findall(f"{SVG}polyline")
    assert [len(p.get("points").split()) for p in lines] == [3, 2]
    assert len(svg.findall(f"{SVG}circle")) == 1  # one day alone is a dot
    labels = [t.text for t in svg.findall(f"{SVG}text")]
    assert "Pain" in labels and "Mood <&>" in labels
    assert "1 Jan 2026" in labels and "10 Jan 2026" in labels


def test_the_chart_writes_its_dates_in_the_readers_language():
    first = date(2026, 1, 1)
    with translation.override("es"):
        drawn = trend_svg({"Dolor": [(first, 3)]}, first=first, last=date(2026, 8, 10))
    labels = [t.text for t in ET.fromstring(drawn).findall(f"{SVG}text")]  # noqa: S314
    assert "1 ene 2026" in labels and "10 ago 2026" in labels
    assert not any("Jan" in label or "Aug" in label for label in labels)


@pytest.mark.django_db
def test_the_care_team_downloads_a_visit_summary(client, patient_user, provider, other_provider):
    patient = patient_user.patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    ensure_protocols()
    today = local_today(patient)
    regimen_start(
        patient=patient,
        protocol=Protocol.objects.filter(retired_at__isnull=True).first(),
        formulation=Formulation(kind="liquid", concentration_mg_per_ml=Decimal("1")),
        dose_time="bedtime",
        start_on=today - timedelta(days=2),
        started_by=provider,
        today=today - timedelta(days=2),
    )
    for ago in (2, 1, 0):
        diary_entry_save(
            patient=patient,
            day=today - timedelta(days=ago),
            entered_by=patient_user,
            today=today,
            values={"pain": 6 - ago, "mood": 5, "insomnia": 2},
        )
    client.force_login(provider)
    assert (
        f'href="/patients/{patient.pk}/visit-summary.pdf"'
        in client.get(f"/patients/{patient.pk}/").content.decode()
    )
    response = client.get(f"/patients/{patient.pk}/visit-summary.pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for words in (
        "Visit summary: Pat Patient",
        "Dose history",
        "Started",
        "Trends",
        "Trouble sleeping 3 moderate",
        "PGIC",
        "Open flags",
        "Open questions",
    ):
        assert words in text, words
    assert AccessEvent.objects.filter(actor=provider, action="visit_summary").count() == 1
    client.force_login(other_provider)
    assert client.get(f"/patients/{patient.pk}/visit-summary.pdf").status_code == 404


@pytest.mark.django_db
def test_a_spanish_speaking_provider_reads_the_visit_summary_in_spanish(
    client, patient_user, provider
):
    patient = patient_user.patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    ensure_protocols()
    today = local_today(patient)
    regimen = regimen_start(
        patient=patient,
        protocol=Protocol.objects.filter(retired_at__isnull=True).first(),
        formulation=Formulation(kind="liquid", concentration_mg_per_ml=Decimal("1")),
        dose_time="bedtime",
        start_on=today - timedelta(days=2),
        started_by=provider,
        today=today - timedelta(days=2),
    )
    regimen_request_hold(regimen=regimen, requested_by=patient_user, note="")
    diary_entry_save(
        patient=patient, day=today, entered_by=patient_user, today=today, values={"insomnia": 2}
    )
    provider.language = "es"
    provider.save(update_fields=["language"])
    client.force_login(provider)

    response = client.get(f"/patients/{patient.pk}/visit-summary.pdf")

    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Pidió seguir con la dosis actual (sin nota)" in text
    assert "moderado" in text or "moderada" in text
    assert " desde el " in text
    for english in ("Asked to stay", "no note", "moderate", " since "):
        assert english not in text, english
