"""A page shown to a logged-in person is never kept by a browser's or a proxy's cache; static
files and the anonymous landing page keep normal caching."""

import pytest

from patients.models import CaregiverGrant
from patients.services.profile import care_team_add
from tests.factories import CaregiverFactory
from tests.test_access_matrix import _grant

PATIENT_PAGES = ["/patient/", "/diary/", "/medications/", "/notifications/", "/library/"]
PROVIDER_PAGES = ["/provider/", "/patients/", "/library/", "/account/", "/provider/check-ins/"]
ADMIN_PAGES = ["/staff/", "/admin/", "/admin/accounts/user/", "/account/"]
# A caregiver's home and the patient's pages they act on, with every permission.
CAREGIVER_PAGES = [
    "/care/",
    "/tonight/",
    "/diary/",
    "/diary/new/",
    "/diary/trends/",
    "/diary/export.csv",
    "/messages/",
    "/notifications/",
    "/account/",
    "/library/",
]


def _no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.mark.parametrize("path", PATIENT_PAGES)
def test_a_patients_pages_are_not_stored(client_for, patient_user, path):
    response = client_for(patient_user).get(path)

    assert response.status_code == 200
    assert _no_store(response)


@pytest.mark.parametrize("path", PROVIDER_PAGES)
def test_a_providers_pages_are_not_stored(client_for, provider, path):
    response = client_for(provider).get(path)

    assert response.status_code == 200
    assert _no_store(response)


def test_a_patient_record_seen_by_the_care_team_is_not_stored(client_for, provider, patient_user):
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)

    response = client_for(provider).get(f"/patients/{patient_user.patient.pk}/")

    assert response.status_code == 200
    assert _no_store(response)


@pytest.mark.parametrize("path", CAREGIVER_PAGES)
def test_a_caregivers_pages_are_not_stored(client_for, patient_user, path):
    caregiver = CaregiverFactory(email="carer@example.org")
    _grant(patient_user.patient, caregiver, CaregiverGrant.Permission.values)

    response = client_for(caregiver).get(path)

    assert response.status_code == 200
    assert _no_store(response)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_an_admins_pages_are_not_stored(client_for, admin_user, path):
    response = client_for(admin_user).get(path)

    assert response.status_code == 200
    assert _no_store(response)


def test_a_refusal_and_a_redirect_for_a_logged_in_person_are_not_stored(client_for, patient_user):
    client = client_for(patient_user)

    assert _no_store(client.get("/provider/"))  # 403: another role's page
    assert _no_store(client.get("/"))  # 302 to the patient's home


@pytest.mark.django_db
def test_the_landing_page_for_anonymous_visitors_keeps_normal_caching(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_static_files_keep_their_caching_for_a_logged_in_person(client_for, patient_user):
    response = client_for(patient_user).get("/static/css/portal.css")

    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]
