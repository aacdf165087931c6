"""Protocols: seeded with their sources, versioned, and managed by admins in the admin."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from regimens.models import Protocol
from regimens.rules import protocol_name_errors
from regimens.selectors.regimens import startable_protocols
from regimens.services.protocols import protocol_retire, protocol_revise
from tests.regimens.conftest import CLINIC, SENSITIVE, WEEKLY, protocol

D = Decimal


def _admin_values(protocol, **changes):
    values = {
        "name": protocol.name,
        "start_mg": protocol.start_mg,
        "step_mg": protocol.step_mg,
        "interval_days": protocol.interval_days,
        "target_mg": protocol.target_mg,
        "ceiling_mg": protocol.ceiling_mg,
        "tolerance_window_days": protocol.tolerance_window_days,
        "requires_approval": "on" if protocol.requires_approval else "",
        "source": protocol.source,
        "source_url": protocol.source_url,
        "note": protocol.note,
        "_save": "Save",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v != ""}


@pytest.mark.django_db
def test_it_seeds_the_protocols_clinical_md_cites_with_their_sources():
    seeded = {p.family: p for p in Protocol.objects.all()}

    assert {CLINIC, WEEKLY, SENSITIVE, "ldnrt-webinar-0-5-mg-weekly"} <= set(seeded)
    clinic = seeded[CLINIC]
    assert (clinic.start_mg, clinic.step_mg, clinic.interval_days) == (D("1.5"), D("1.5"), 14)
    weekly = seeded[WEEKLY]
    assert (weekly.start_mg, weekly.step_mg, weekly.interval_days) == (D("1"), D("1"), 7)
    assert "Hashimoto" in seeded[SENSITIVE].note
    for p in seeded.values():
        assert p.target_mg == p.ceiling_mg == D("4.5")
        assert p.tolerance_window_days == 7
        assert p.requires_approval
        assert p.source and p.source_url.startswith("https://")


@pytest.mark.django_db
def test_it_changes_a_protocol_no_regimen_uses_in_place():
    weekly = protocol(WEEKLY)

    saved = protocol_revise(
        protocol=weekly, values={"interval_days": 10, "name": "1 mg, plus 1 mg every 10 days"}
    )

    assert saved.pk == weekly.pk
    assert saved.version == 1 and saved.interval_days == 10


@pytest.mark.django_db
def test_it_refuses_a_revision_whose_name_states_other_numbers(patient, team, start_regimen):
    weekly = protocol(WEEKLY)  # "1 mg, plus 1 mg weekly to 4.5 mg"

    with pytest.raises(ValidationError) as refused:
        protocol_revise(protocol=weekly, values={"interval_days": 21})

    assert "weekly" in refused.value.message_dict["name"][0]
    weekly.refresh_from_db()
    assert (weekly.interval_days, weekly.version) == (7, 1)
    old = start_regimen(patient, team).protocol
    with pytest.raises(ValidationError):
        protocol_revise(protocol=old, values={"target_mg": D("4"), "ceiling_mg": D("4")})
    old.refresh_from_db()
    assert old.retired_at is None
    assert Protocol.objects.filter(family=old.family).count() == 1


@pytest.mark.django_db
def test_it_makes_a_new_version_of_a_protocol_in_use_and_retires_the_old(
    patient, team, start_regimen
):
    regimen = start_regimen(patient, team)
    old = regimen.protocol

    new = protocol_revise(protocol=old, values={"interval_days": 10, "name": "Slower"})

    old.refresh_from_db()
    regimen.refresh_from_db()
    assert (new.family, new.version, new.interval_days) == (old.family, 2, 10)
    assert old.retired_at is not None and old.interval_days == 7
    assert regimen.protocol_id == old.pk
    assert new in startable_protocols() and old not in startable_protocols()
    assert new.source == old.source


@pytest.mark.django_db
def test_it_refuses_to_revise_a_retired_version():
    weekly = protocol_retire(protocol=protocol(WEEKLY))

    with pytest.raises(Exception, match="retired"):
        protocol_revise(protocol=weekly, values={"interval_days": 3})


@pytest.mark.django_db
def test_it_versions_a_protocol_in_use_when_an_admin_saves_it(
    client_for, admin_user, patient, team, start_regimen
):
    old = start_regimen(patient, team).protocol
    client = client_for(admin_user)
    url = reverse("admin:regimens_protocol_change", args=[old.pk])

    response = client.post(
        url, _admin_values(old, interval_days=21, name="1 mg, plus 1 mg every 21 days to 4.5 mg")
    )

    new = Protocol.objects.get(family=old.family, version=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:regimens_protocol_change", args=[new.pk])
    assert new.interval_days == 21
    old.refresh_from_db()
    assert old.interval_days == 7 and old.retired_at is not None
    retired = client.get(url)  # a retired version is shown read-only, doses as "1 mg"
    assert retired.status_code == 200
    assert "4.5 mg" in retired.content.decode() and "4.500" not in retired.content.decode()
    assert client.post(url, _admin_values(old, interval_days=3)).status_code == 403


@pytest.mark.django_db
def test_it_refuses_a_ceiling_above_the_ldn_range_in_the_admin(client_for, admin_user):
    weekly = protocol(WEEKLY)
    url = reverse("admin:regimens_protocol_change", args=[weekly.pk])

    response = client_for(admin_user).post(url, _admin_values(weekly, ceiling_mg="9"))

    assert response.status_code == 200
    assert "at most 6 mg" in response.content.decode()
    weekly.refresh_from_db()
    assert weekly.ceiling_mg == D("4.5")


@pytest.mark.django_db
def test_the_admin_refuses_a_name_that_contradicts_the_protocol_s_numbers(client_for, admin_user):
    clinic = protocol(CLINIC)  # "Common clinic schedule: 1.5 mg steps every 14 days"
    url = reverse("admin:regimens_protocol_change", args=[clinic.pk])

    response = client_for(admin_user).post(url, _admin_values(clinic, interval_days=21))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["name"] == [
        "The name says \u201cevery 14 days\u201d, but each step lasts 21 days. "
        "Change the name or the days per step."
    ]
    assert 'value="Common clinic schedule: 1.5 mg steps every 14 days"' in response.content.decode()
    clinic.refresh_from_db()
    assert clinic.interval_days == 14


@pytest.mark.django_db
def test_the_admin_refuses_a_name_stating_a_dose_the_protocol_does_not_have(client_for, admin_user):
    weekly = protocol(WEEKLY)
    url = reverse("admin:regimens_protocol_change", args=[weekly.pk])

    response = client_for(admin_user).post(
        url, _admin_values(weekly, target_mg="3", ceiling_mg="3")
    )

    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["name"]
    assert error.startswith("The name says 4.5 mg, which is none of this protocol's doses")
    weekly.refresh_from_db()
    assert weekly.target_mg == D("4.5")


@pytest.mark.django_db
def test_the_admin_saves_a_name_that_agrees_with_the_numbers(client_for, admin_user):
    clinic = protocol(CLINIC)
    url = reverse("admin:regimens_protocol_change", args=[clinic.pk])

    response = client_for(admin_user).post(
        url, _admin_values(clinic, interval_days=21, name="Clinic: 1.5 mg steps every 3 weeks")
    )

    assert response.status_code == 302
    clinic.refresh_from_db()
    assert (clinic.name, clinic.interval_days) == ("Clinic: 1.5 mg steps every 3 weeks", 21)


@pytest.mark.django_db
def test_the_admin_lists_and_edits_doses_as_the_portal_writes_them(client_for, admin_user):
    clinic = protocol(CLINIC)
    client = client_for(admin_user)

    listing = client.get(reverse("admin:regimens_protocol_changelist")).content.decode()
    form = client.get(reverse("admin:regimens_protocol_change", args=[clinic.pk])).content.decode()

    assert "1.5 mg" in listing and "4.5 mg" in listing and "1.500" not in listing
    assert 'value="1.5"' in form and "1.500" not in form


@pytest.mark.parametrize(
    ("name", "interval", "agrees"),
    [
        ("0.5 mg, plus 0.5 mg weekly", 7, True),
        ("0.5 mg, plus 0.5 mg weekly", 14, False),
        ("Slow: fortnightly steps", 14, True),
        ("Slow: every two weeks", 21, False),
        ("A 10-day schedule", 10, True),
        ("A 10-day schedule", 7, False),
        ("Steps daily", 1, True),
        ("Clinic schedule", 30, True),
    ],
)
def test_a_protocol_name_s_interval_is_checked_against_its_days_per_step(name, interval, agrees):
    errors = protocol_name_errors(
        name=name,
        start_mg=D("0.5"),
        step_mg=D("0.5"),
        interval_days=interval,
        target_mg=D("4.5"),
        ceiling_mg=D("4.5"),
    )
    assert (errors == []) is agrees


@pytest.mark.django_db
def test_it_lets_only_admins_into_the_protocol_admin(
    client_for, admin_user, provider, patient_user
):
    url = reverse("admin:regimens_protocol_changelist")

    assert client_for(admin_user).get(url).status_code == 200
    for user in (provider, patient_user):
        response = client_for(user).get(url)
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_it_keeps_regimens_out_of_the_admin(client_for, admin_user):
    response = client_for(admin_user).get("/admin/regimens/regimen/")

    assert response.status_code == 404
