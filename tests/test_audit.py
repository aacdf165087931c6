"""Every view scoped to one patient writes exactly one access event when someone other than the
patient opens it, because the selector that resolves the patient writes it (no view can
forget). Walks every such URL of the access matrix, each method the care team may use, and
every page of the patient's record a caregiver opens with one of their permissions."""

import pytest
from django.urls import get_resolver

from portal.audit.models import AccessEvent
from tests.test_access_matrix import CAREGIVERS, MATRIX, OK, World


def _has_patient(name: str) -> bool:
    """Whether the URL is one patient's: /patients/<pk>/..."""
    return any(
        path.startswith("patients/%(pk)s")
        for possibilities, *_rest in get_resolver().reverse_dict.getlist(name)
        for path, _params in possibilities
    )


SCOPED = [
    (name, method)
    for name, entry in MATRIX.items()
    if _has_patient(name)
    for method, table in entry.methods.items()
    if table.get("provider") == OK
]


@pytest.mark.parametrize(("name", "method"), SCOPED)
def test_a_care_team_provider_leaves_one_access_event(client, db, name, method):
    world = World()
    entry = MATRIX[name]
    url = entry.url(world)
    client.force_login(world.users["provider"])
    before = AccessEvent.objects.count()

    if method == "POST":
        response = client.post(url, entry.data(world) if entry.data else {})
    else:
        response = client.get(url)

    assert response.status_code < 400
    events = AccessEvent.objects.order_by("pk")[before:]
    assert [(e.actor, e.patient, e.path) for e in events] == [
        (world.users["provider"], world.patient, url)
    ]


def test_every_url_with_a_patient_in_it_is_walked():
    with_patient = {name for name in MATRIX if _has_patient(name)}
    assert with_patient == {name for name, _method in SCOPED}
    assert "patient_record" in with_patient and "regimen_decision" in with_patient


def test_the_patient_reading_their_own_record_leaves_none(client, db):
    world = World()
    client.force_login(world.patient_user)
    before = set(AccessEvent.objects.values_list("pk", flat=True))  # the world's own visit
    for name in ("tonight", "diary", "diary_trends", "medication_list", "my_checkins"):
        assert client.get(MATRIX[name].url(world)).status_code == 200
    assert set(AccessEvent.objects.values_list("pk", flat=True)) == before


def _caregiver_for(table) -> str | None:
    """The matrix's caregiver who may use a URL only with one permission (a page of the
    patient's record), or None (nobody, or every caregiver: their own pages)."""
    allowed = [viewer for viewer in CAREGIVERS if table.get(viewer) == OK]
    return allowed[0] if len(allowed) == 1 else None


CAREGIVER_SCOPED = [
    (name, method, _caregiver_for(table))
    for name, entry in MATRIX.items()
    for method, table in entry.methods.items()
    if _caregiver_for(table)
]


@pytest.mark.parametrize(("name", "method", "caregiver"), CAREGIVER_SCOPED)
def test_a_caregiver_leaves_one_access_event(client, db, name, method, caregiver):
    world = World()
    entry = MATRIX[name]
    url = entry.url(world)
    client.force_login(world.users[caregiver])
    before = AccessEvent.objects.count()

    if method == "POST":
        response = client.post(url, entry.data(world) if entry.data else {})
    else:
        response = client.get(url)

    assert response.status_code < 400
    events = AccessEvent.objects.order_by("pk")[before:]
    assert [(e.actor, e.patient, e.path) for e in events] == [
        (world.users[caregiver], world.patient, url)
    ]


def test_every_page_a_caregiver_opens_with_a_permission_is_walked():
    walked = {name for name, _method, _caregiver in CAREGIVER_SCOPED}
    assert {"tonight", "diary", "diary_trends", "message_list", "dose_log"} <= walked
