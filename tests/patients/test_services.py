from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ValidationError

from patients.models import Flag, Medication
from patients.services.medications import medication_add, medication_stop, medication_update
from patients.services.profile import onboarding_complete, profile_update
from tests.patients.factories import ConditionFactory, MedicationFactory, PatientFactory

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def patient(patient_user):
    return PatientFactory(user=patient_user)


def _open_flags(patient):
    return Flag.objects.filter(patient=patient, kind=Flag.Kind.OPIOID, resolved_at__isnull=True)


def test_it_blocks_percocet_and_opens_an_urgent_flag(patient):
    medication = medication_add(
        patient=patient, name="Percocet 5/325", added_by=patient.user, now=NOW
    )

    assert medication.screening == Medication.Screening.BLOCK
    assert medication.opioid_ingredient == "oxycodone"
    assert medication.washout_days == 10
    flag = _open_flags(patient).get()
    assert flag.severity == Flag.Severity.URGENT
    assert flag.medication == medication
    assert flag.raised_at == NOW
    assert "Percocet 5/325" in flag.reason


def test_it_warns_on_imodium_with_an_attention_flag(patient):
    medication = medication_add(patient=patient, name="Imodium", added_by=patient.user)

    assert medication.screening == Medication.Screening.WARN
    assert medication.opioid_ingredient == "loperamide"
    assert medication.washout_days == 0
    assert _open_flags(patient).get().severity == Flag.Severity.ATTENTION


def test_it_leaves_an_ordinary_medication_unflagged(patient):
    medication = medication_add(
        patient=patient, name="  Vitamin D 1000 IU ", dose_text=" daily ", added_by=patient.user
    )

    assert medication.name == "Vitamin D 1000 IU"
    assert medication.dose_text == "daily"
    assert medication.screening == Medication.Screening.NONE
    assert not _open_flags(patient).exists()


def test_it_notes_a_thyroid_hormone(patient):
    medication = medication_add(patient=patient, name="Levothyroxine 50 mcg", added_by=patient.user)

    assert medication.is_thyroid_hormone
    assert medication.screening == Medication.Screening.NONE


def test_it_gives_methadone_the_longer_washout(patient):
    medication = medication_add(patient=patient, name="Methadose", added_by=patient.user)

    assert medication.screening == Medication.Screening.BLOCK
    assert medication.washout_days == 14


def test_it_rescreens_on_edit_and_opens_a_flag(patient):
    medication = MedicationFactory(patient=patient, name="Tylenol")

    medication_update(medication=medication, name="Tylenol #3", dose_text="", started_on=None)

    medication.refresh_from_db()
    assert medication.screening == Medication.Screening.BLOCK
    assert medication.opioid_ingredient == "codeine"
    assert _open_flags(patient).get().medication == medication


def test_it_closes_the_flag_when_an_opioid_is_renamed_to_a_non_opioid(patient):
    medication = MedicationFactory(patient=patient, name="Percocet 5/325")

    medication_update(
        medication=medication, name="Paracetamol 500 mg", dose_text="", started_on=None, now=NOW
    )

    medication.refresh_from_db()
    assert medication.screening == Medication.Screening.NONE
    assert medication.washout_days == 0
    flag = Flag.objects.get(medication=medication)
    assert flag.resolved_at == NOW
    assert "no longer recognised as an opioid" in flag.resolution_note
    assert not _open_flags(patient).exists()


def test_it_keeps_the_washout_and_the_flag_when_an_opioid_is_stopped(patient):
    medication = MedicationFactory(patient=patient, name="tramadol 50mg tab")

    medication_stop(medication=medication, stopped_on=date(2026, 3, 1))

    medication.refresh_from_db()
    assert medication.stopped_on == date(2026, 3, 1)
    assert medication.washout_days == 10
    flag = _open_flags(patient).get()
    assert "Stopped on 1 Mar 2026" in flag.reason


def test_it_refuses_a_blank_name_and_saves_nothing(patient):
    with pytest.raises(ValidationError) as raised:
        medication_add(patient=patient, name="   ", added_by=patient.user)

    assert raised.value.message_dict == {"name": ["Enter the medication's name."]}
    assert not Medication.objects.exists()


def test_it_refuses_a_stop_date_before_the_start_date(patient):
    medication = MedicationFactory(patient=patient, started_on=date(2026, 3, 5))

    with pytest.raises(ValidationError) as raised:
        medication_stop(medication=medication, stopped_on=date(2026, 3, 4))

    assert "stopped_on" in raised.value.message_dict
    medication.refresh_from_db()
    assert medication.stopped_on is None


def test_it_refuses_a_start_date_after_the_stop_date(patient):
    medication = MedicationFactory(
        patient=patient, started_on=date(2026, 3, 1), stopped_on=date(2026, 3, 5)
    )

    with pytest.raises(ValidationError) as raised:
        medication_update(
            medication=medication, name="Vitamin D", dose_text="", started_on=date(2026, 3, 6)
        )

    assert "started_on" in raised.value.message_dict
    medication.refresh_from_db()
    assert medication.started_on == date(2026, 3, 1)


def test_it_saves_the_profile_and_the_users_time_zone(patient):
    fibromyalgia = ConditionFactory(slug="fibromyalgia", name="Fibromyalgia")

    profile_update(
        patient=patient,
        date_of_birth=date(1975, 1, 2),
        timezone_name="Europe/London",
        bedtime=time(23, 15),
        conditions=[fibromyalgia],
        other_condition="",
        pharmacy_name="Corner Pharmacy",
        pharmacy_phone="020 7946 0000",
    )

    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert patient.user.timezone == "Europe/London"
    assert patient.date_of_birth == date(1975, 1, 2)
    assert patient.bedtime == time(23, 15)
    assert list(patient.conditions.all()) == [fibromyalgia]
    assert patient.pharmacy_name == "Corner Pharmacy"


def test_it_completes_onboarding_with_the_acknowledgement_and_medications(patient_user):
    patient = PatientFactory(user=patient_user, new=True)

    onboarding_complete(
        patient=patient,
        date_of_birth=date(1980, 4, 30),
        timezone_name="Europe/Paris",
        bedtime=time(22, 0),
        conditions=[ConditionFactory(slug="hashimotos", is_thyroid=True)],
        other_condition="",
        pharmacy_name="",
        pharmacy_phone="",
        medications=["Synthroid 75 mcg", "Vicodin"],
        now=NOW,
    )

    patient.refresh_from_db()
    assert patient.is_onboarded
    assert patient.off_label_acknowledged_at == NOW
    assert patient.onboarded_at == NOW
    assert sorted(m.name for m in patient.medications.all()) == ["Synthroid 75 mcg", "Vicodin"]
    assert all(m.added_by == patient_user for m in patient.medications.all())
    assert _open_flags(patient).get().medication.name == "Vicodin"
