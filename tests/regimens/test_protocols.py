"""Protocols: seeded with their sources, versioned, and managed by admins in the admin."""

from decimal import Decimal

import pytest
from django.urls import reverse

from regimens.models import Protocol
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

    saved = protocol_revise(protocol=weekly, values={"interval_days": 10})

    assert saved.pk == weekly.pk
    assert saved.version == 1 and saved.interval_days == 10


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

    response = client.post(url, _admin_values(old, interval_days=21))

    new = Protocol.objects.get(family=old.family, version=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:regimens_protocol_change", args=[new.pk])
    assert new.interval_days == 21
    old.refresh_from_db()
    assert old.interval_days == 7 and old.retired_at is not None
    assert client.get(url).status_code == 200  # a retired version is shown read-only
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
