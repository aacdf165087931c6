import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command

from patients.models import CaregiverGrant, Medication
from patients.selectors.records import patients_for_provider
from portal.accounts.models import User


@pytest.mark.django_db
def test_it_creates_the_three_demo_logins_once(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-for-test")

    call_command("seed_demo")
    call_command("seed_demo")

    users = {u.email: u for u in User.objects.all()}
    assert {"admin@example.com", "provider@example.com", "patient@example.com"} <= set(users)
    assert all(u.check_password("demo-pass-for-test") for u in users.values())
    assert users["admin@example.com"].role == "admin"
    assert users["provider@example.com"].role == "provider"
    assert users["patient@example.com"].role == "patient"


@pytest.mark.django_db
def test_it_enrols_mfa_for_provider_and_admin_and_prints_recovery_codes(capsys):
    call_command("seed_demo")

    out = capsys.readouterr().out
    for email in ("admin@example.com", "provider@example.com"):
        user = User.objects.get(email=email)
        kinds = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
        assert kinds == {"totp", "recovery_codes"}
    assert "recovery codes" in out
    patient = User.objects.get(email="patient@example.com")
    assert not Authenticator.objects.filter(user=patient).exists()


@pytest.mark.django_db
def test_it_refuses_to_run_with_production_settings(settings):
    settings.SETTINGS_MODULE = "portal.settings.production"

    with pytest.raises(Exception, match="never created with production settings"):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_puts_onboarded_patients_on_the_provider_team_one_with_an_opioid():
    call_command("seed_demo")
    call_command("seed_demo")

    provider = User.objects.get(email="provider@example.com")
    patients = patients_for_provider(provider=provider)
    assert patients.count() == 5
    assert all(p.is_onboarded for p in patients)
    # The opioid flag is Casey's alone (the demo diaries raise flags of their own).
    opioid = [p.user.email for p in patients if p.flags.filter(kind="opioid").exists()]
    assert opioid == ["casey@example.com"]
    assert Medication.objects.filter(screening="block").count() == 1
    assert Medication.objects.filter(is_thyroid_hormone=True).count() == 1


@pytest.mark.django_db
def test_it_makes_the_demo_caregiver_pat_morgans_once(client):
    call_command("seed_demo")
    call_command("seed_demo")

    caregiver = User.objects.get(email="caregiver@example.com")
    grant = CaregiverGrant.objects.get(caregiver=caregiver, ended_at__isnull=True)
    assert grant.patient.user.email == "patient@example.com"
    assert grant.permissions == ["plan", "diary"]
    client.force_login(caregiver)
    assert client.get("/diary/").status_code == 200
    assert client.get("/medications/").status_code == 404
