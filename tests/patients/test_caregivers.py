"""Caregivers: invited by the patient (or a provider at their request), acting on the
patient's record only as far as granted, their entries marked as theirs, and access that
changes or ends the moment the patient says so."""

import csv
import io
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse

from patients.models import CaregiverGrant, CaregiverInvitation, DiaryEntry, Flag
from patients.selectors.care import CARING_FOR
from patients.services.care import caregiver_grant_update, caregiver_invite
from patients.services.diary import diary_entry_save
from patients.services.profile import care_team_add
from portal.accounts.models import Invitation, Role, User
from portal.accounts.services import invitation_accept, invitation_accept_existing
from portal.audit.models import AccessEvent
from regimens.models import DoseLog
from regimens.selectors.engine import recommendation_for
from tests.factories import TEST_PASSWORD, CaregiverFactory
from tests.patients.diary_factories import NOW, TODAY, days_ago, start_regimen

pytestmark = pytest.mark.django_db
CAREGIVERS = reverse("caregivers")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(patient_user):
    return patient_user.patient


@pytest.fixture
def team(patient, provider):
    care_team_add(patient=patient, provider=provider, added_by=provider)
    return provider


@pytest.fixture
def ana(db):
    return CaregiverFactory(email="ana@example.org", name="Ana Ruiz")


def grant(patient, caregiver, *permissions):
    offer, _token = caregiver_invite(
        patient=patient, email=caregiver.email, permissions=permissions, invited_by=patient.user
    )
    invitation_accept_existing(invitation=offer.invitation, user=caregiver)
    return CaregiverGrant.objects.get(patient=patient, caregiver=caregiver, ended_at__isnull=True)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- Inviting -----------------------------------------------------------------------------------


def test_a_patient_invites_a_caregiver_who_makes_a_login_and_lands_on_the_record(
    client, client_for, patient_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(patient_user).post(
            CAREGIVERS, {"email": "Ana@Example.org", "permissions": ["diary", "trends"]}
        )
    assert response["Location"] == CAREGIVERS
    assert mailoutbox[0].to == ["ana@example.org"]
    assert patient_user.name not in mailoutbox[0].body  # the e-mail names no one
    client.logout()
    path = urlsplit(re.search(r"https?://\S+/invitations/accept/\S+/", mailoutbox[0].body)[0]).path

    response = client.post(
        path,
        {"name": "Ana Ruiz", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD},
        follow=True,
    )

    ana = User.objects.get(email="ana@example.org")
    assert ana.role == Role.CAREGIVER
    grant = CaregiverGrant.objects.get(caregiver=ana)
    assert (grant.patient, grant.permissions) == (patient_user.patient, ["diary", "trends"])
    assert response.redirect_chain[-1][0] == reverse("care_home")
    assert f"You are on <strong>{patient_user.name}</strong>" in response.content.decode()
    # The link worked once.
    assert client.get(path).status_code in (302, 410)
    assert Invitation.objects.get().accepted_user == ana


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("provider@example.org", "This address belongs to a provider&#x27;s account."),
        ("not-an-address", "Enter a complete e-mail address"),
        ("patient@example.org", "This is the patient&#x27;s own address."),
        ("other.patient@example.org", "This address belongs to a patient&#x27;s account."),
    ],
)
def test_an_invitation_to_an_address_that_cannot_be_a_caregiver_saves_nothing(
    client_for, patient_user, other_patient_user, provider, mailoutbox, email, message
):
    response = client_for(patient_user).post(CAREGIVERS, {"email": email, "permissions": ["plan"]})

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'value="{email}"' in page  # what was typed stays
    assert 'value="plan" checked' in page or 'checked value="plan"' in page or "checked" in page
    assert not Invitation.objects.exists() and not CaregiverInvitation.objects.exists()
    assert mailoutbox == []


def test_an_invitation_needs_at_least_one_permission(client_for, patient_user):
    response = client_for(patient_user).post(CAREGIVERS, {"email": "ana@example.org"})

    assert "Choose at least one thing the caregiver may do." in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_care_team_provider_invites_at_the_patients_request_and_no_one_else_can(
    client_for, patient, team, other_provider
):
    url = reverse("patient_caregiver_invite", args=[patient.pk])
    data = {"email": "ana@example.org", "permissions": ["plan"]}

    assert client_for(other_provider).post(url, data).status_code == 404
    response = client_for(team).post(url, data)

    assert response["Location"] == reverse("patient_record", args=[patient.pk])
    offer = CaregiverInvitation.objects.get()
    assert (offer.patient, offer.can_see_plan, offer.can_keep_diary) == (patient, True, False)
    # The provider left the care team before it was accepted: the link no longer works.
    patient.memberships.update(until=NOW)
    with pytest.raises(Exception, match="can no longer be used"):
        invitation_accept(invitation=offer.invitation, password=TEST_PASSWORD, name="Ana")
    assert not User.objects.filter(email="ana@example.org").exists()


def test_a_caregiver_with_a_login_accepts_a_second_patients_invitation(
    client_for, patient, other_patient_user, ana
):
    grant(patient, ana, "plan")
    offer, token = caregiver_invite(
        patient=other_patient_user.patient,
        email=ana.email,
        permissions=["diary"],
        invited_by=other_patient_user,
    )
    browser = client_for(ana)
    url = reverse("invitation_accept", args=[token])
    assert "Accept this invitation" in browser.get(url).content.decode()

    browser.post(url)

    assert sorted(
        CaregiverGrant.objects.filter(caregiver=ana).values_list("patient__user__email", flat=True)
    ) == ["other.patient@example.org", "patient@example.org"]


# --- What a caregiver may do --------------------------------------------------------------------


def test_a_diary_only_caregiver_keeps_the_diary_and_sees_nothing_else(
    client_for, patient, team, ana
):
    start_regimen(patient, team, days_ago=3)
    grant(patient, ana, "diary")
    browser = client_for(ana)

    response = browser.post(reverse("diary_new"), {"day": TODAY.isoformat(), "pain": "5"})
    assert response["Location"] == reverse("diary")
    browser.post(reverse("dose_log"), {"status": "taken"})

    entry = DiaryEntry.objects.get(patient=patient)
    assert (entry.pain, entry.entered_by) == (5, ana)
    assert DoseLog.objects.get(on=TODAY).recorded_by == ana
    for url in (
        reverse("tonight"),
        reverse("medication_list"),
        reverse("diary_trends"),
        reverse("diary_pgic"),
        reverse("profile"),
        reverse("patient_record", args=[patient.pk]),
        reverse("patient_medication_list", args=[patient.pk]),
    ):
        assert browser.get(url).status_code == 404, url
    assert "Trends" not in text(browser.get(reverse("diary")))


def test_caregiver_entries_are_marked_as_theirs_for_the_patient_the_team_and_the_csv(
    client_for, patient_user, patient, team, ana
):
    start_regimen(patient, team, days_ago=3)
    grant(patient, ana, "diary")
    caregiver = client_for(ana)
    caregiver.post(reverse("diary_new"), {"day": TODAY.isoformat(), "pain": "5"})
    caregiver.post(reverse("dose_log"), {"status": "taken"})
    diary_entry_save(
        patient=patient,
        day=days_ago(1),
        entered_by=patient_user,
        today=TODAY,
        values={"pain": 2},
        dose_status="",
    )
    mark = "entered by Ana Ruiz (caregiver)"

    own = text(client_for(patient_user).get(reverse("diary")))
    assert own.count(mark) == 2  # the entry and the dose
    review = text(client_for(team).get(reverse("patient_diary", args=[patient.pk])))
    assert review.count(mark) == 2
    export = client_for(team).get(reverse("patient_diary_export", args=[patient.pk]))
    header, *days = list(csv.reader(io.StringIO(export.content.decode())))
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in days}
    assert rows[TODAY.isoformat()]["Entered by"] == mark
    assert rows[TODAY.isoformat()]["Dose logged by"] == mark
    assert rows[days_ago(1).isoformat()]["Entered by"] == ""


def test_each_permission_opens_its_own_pages(client_for, patient, team, ana):
    start_regimen(patient, team, days_ago=3)
    the_grant = grant(patient, ana, "plan")
    browser = client_for(ana)
    page = text(browser.get(reverse("tonight")))
    assert "Your plan" in page
    assert "I took it" not in page  # logging doses is the diary permission
    assert browser.get(reverse("diary")).status_code == 404

    caregiver_grant_update(grant=the_grant, permissions=["trends"], changed_by=patient.user)

    assert browser.get(reverse("tonight")).status_code == 404  # at once
    assert browser.get(reverse("diary_trends")).status_code == 200


def test_the_patient_ends_access_and_it_ends_at_once(client_for, patient_user, patient, ana):
    the_grant = grant(patient, ana, "diary")
    browser = client_for(ana)
    assert browser.get(reverse("diary")).status_code == 200

    response = client_for(patient_user).post(reverse("caregiver_end", args=[the_grant.pk]))

    assert response["Location"] == CAREGIVERS
    browser = client_for(ana)
    assert browser.get(reverse("diary")).status_code == 404
    assert browser.post(reverse("diary_new"), {"day": TODAY, "pain": 1}).status_code == 404
    assert not DiaryEntry.objects.exists()
    assert "No one has given you access" in text(browser.get(reverse("care_home")))
    # The caregiver cannot give it back to themselves: only a new invitation can.
    assert browser.post(reverse("care_switch"), {"patient": patient.pk}).status_code == 404


def test_a_patient_changes_only_their_own_caregivers(client_for, patient, other_patient_user, ana):
    the_grant = grant(patient, ana, "diary")
    stranger = client_for(other_patient_user)

    assert stranger.get(reverse("caregiver_edit", args=[the_grant.pk])).status_code == 404
    assert stranger.post(reverse("caregiver_end", args=[the_grant.pk])).status_code == 404
    the_grant.refresh_from_db()
    assert the_grant.ended_at is None


def test_a_caregiver_for_two_patients_switches_between_their_records(
    client_for, patient, other_patient_user, ana
):
    grant(patient, ana, "diary")
    grant(other_patient_user.patient, ana, "diary")
    browser = client_for(ana)

    browser.post(reverse("care_switch"), {"patient": other_patient_user.patient.pk})
    page = text(browser.get(reverse("diary")))
    browser.post(reverse("diary_new"), {"day": TODAY.isoformat(), "pain": "3"})

    assert f"You are on <strong>{other_patient_user.name}</strong>" in page
    assert browser.session[CARING_FOR] == other_patient_user.patient.pk
    assert DiaryEntry.objects.get().patient == other_patient_user.patient
    # Someone they do not care for is not in the switcher.
    assert browser.post(reverse("care_switch"), {"patient": 999999}).status_code == 404


def test_caregiver_reads_are_in_who_viewed_my_record(client_for, patient_user, patient, ana):
    grant(patient, ana, "diary")
    client_for(ana).get(reverse("diary"))

    event = AccessEvent.objects.get()
    assert (event.actor, event.actor_role, event.action) == (ana, "caregiver", "view_diary")
    page = text(client_for(patient_user).get(reverse("access_log")))
    assert "<strong>Ana Ruiz</strong> (Caregiver) looked at your diary" in page


def test_a_caregivers_side_effects_are_named_in_the_flag_and_the_engines_reasons(
    client_for, patient, team, ana
):
    regimen = start_regimen(patient, team, days_ago=3)
    grant(patient, ana, "diary")

    client_for(ana).post(
        reverse("diary_new"), {"day": TODAY.isoformat(), "headache": "3", "nausea": "2"}
    )

    flag = Flag.objects.get(patient=patient, kind="severe_side_effect")
    assert "entered by a caregiver" in flag.reason
    recommendation = recommendation_for(regimen, TODAY)
    assert "Some of these recent side effects were entered by a caregiver." in (
        recommendation.reasons
    )
    assert "entered by a caregiver" in text(client_for(team).get(reverse("provider_home")))


def test_a_patient_can_revoke_an_open_invitation(client_for, patient_user, patient):
    offer, token = caregiver_invite(
        patient=patient, email="ana@example.org", permissions=["plan"], invited_by=patient_user
    )

    client_for(patient_user).post(reverse("caregiver_invitation_revoke", args=[offer.pk]))

    offer.invitation.refresh_from_db()
    assert offer.invitation.revoked_at is not None


def test_a_side_effect_a_caregiver_reports_on_tonight_is_marked_on_the_regimen_page(
    client_for, patient, team, ana
):
    regimen = start_regimen(patient, team, days_ago=3)
    grant(patient, ana, "diary")

    response = client_for(ana).post(
        reverse("tonight_side_effect"),
        {
            "side_effect-on": TODAY.isoformat(),
            "side_effect-kind": "headache",
            "side_effect-severity": "3",
        },
    )

    assert response["Location"] == reverse("diary")  # no plan permission: back to the diary
    page = text(client_for(team).get(reverse("regimen_detail", args=[patient.pk, regimen.pk])))
    assert "entered by Ana Ruiz (caregiver)" in page
    flag = Flag.objects.get(patient=patient, kind="severe_side_effect")
    assert "entered by a caregiver" in flag.reason
