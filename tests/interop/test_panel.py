"""The care team's panel CSV: the provider's patients now, their dose, step, status, last
diary day and open flags; each patient's inclusion in their access log."""

import csv
import io
from decimal import Decimal

import pytest

from patients.services.diary import diary_entry_save
from patients.services.medications import medication_add
from patients.services.profile import care_team_add
from portal.audit.models import AccessEvent
from portal.lib.timing import local_today
from regimens.models import Protocol
from regimens.safety import Formulation
from regimens.services.start import regimen_start
from tests.factories import PatientUserFactory
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.django_db


def test_the_panel_lists_the_care_team_with_dose_status_and_flags(
    client, provider, other_provider, patient_user, other_patient_user
):
    patient = patient_user.patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    care_team_add(patient=other_patient_user.patient, provider=other_provider, added_by=provider)
    quiet = PatientUserFactory(email="quiet@example.org", name="Quinn Quiet").patient
    care_team_add(patient=quiet, provider=provider, added_by=provider)
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
    diary_entry_save(
        patient=patient, day=today, entered_by=patient_user, today=today, values={"pain": 3}
    )
    medication_add(patient=patient, name="Oxycodone 5 mg", added_by=patient_user)

    client.force_login(provider)
    assert 'href="/patients/panel.csv"' in client.get("/patients/").content.decode()
    response = client.get("/patients/panel.csv")
    assert response["Content-Type"] == "text/csv"
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert set(rows) == {"patient@example.org", "quiet@example.org"}
    row = rows["patient@example.org"]
    assert row["regimen_status"] == "active"
    assert Decimal(row["current_dose_mg"]) > 0
    assert row["dose_time"] == "bedtime" and row["step"] == "1"
    assert row["last_diary_day"] == today.isoformat()
    assert row["opioid_status"] == "active"
    assert int(row["open_flags"]) >= 1 and row["most_urgent_flag"] == "Urgent"
    assert rows["quiet@example.org"]["regimen_status"] == ""
    events = AccessEvent.objects.filter(actor=provider, action="export_panel")
    assert set(events.values_list("patient_id", flat=True)) == {patient.pk, quiet.pk}

    client.force_login(patient_user)
    assert client.get("/patients/panel.csv").status_code == 403
