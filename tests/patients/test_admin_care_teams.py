"""Admins put providers on care teams and take them off in the Django admin."""

from patients.models import CareTeamMembership
from patients.selectors.records import visible_patients


def _inline(prefix, rows, extra):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + extra),
        f"{prefix}-INITIAL_FORMS": str(len(rows)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def test_it_lets_an_admin_add_a_provider_to_a_care_team(
    client_for, admin_user, patient_user, provider
):
    patient = patient_user.patient
    client = client_for(admin_user)
    url = f"/admin/patients/patient/{patient.pk}/change/"
    assert client.get(url).status_code == 200

    data = _inline("memberships", [], 1)
    data["memberships-0-provider"] = str(provider.pk)
    response = client.post(url, data)

    assert response.status_code == 302
    membership = CareTeamMembership.objects.get(patient=patient, provider=provider)
    assert membership.until is None and membership.added_by == admin_user
    assert patient in visible_patients(provider)


def test_it_ends_a_membership_and_with_it_the_providers_access(
    client_for, admin_user, patient_user, provider
):
    from patients.services.profile import care_team_add

    patient = patient_user.patient
    membership = care_team_add(patient=patient, provider=provider, added_by=admin_user)
    client = client_for(admin_user)

    data = _inline(
        "memberships",
        [
            {
                "id": str(membership.pk),
                "patient": str(patient.pk),
                "provider": str(provider.pk),
                "end": "on",
            }
        ],
        0,
    )
    response = client.post(f"/admin/patients/patient/{patient.pk}/change/", data)

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.until is not None
    assert patient not in visible_patients(provider)
    assert client_for(provider).get(f"/patients/{patient.pk}/").status_code == 404


def test_it_offers_only_active_providers(
    client_for, admin_user, patient_user, provider, other_provider
):
    other_provider.is_active = False
    other_provider.save()

    html = (
        client_for(admin_user)
        .get(f"/admin/patients/patient/{patient_user.patient.pk}/change/")
        .content.decode()
    )

    assert provider.name in html
    assert other_provider.name not in html
