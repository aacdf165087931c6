from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from patients import selectors, services
from portal.accounts.models import Role
from portal.audit.models import AccessEvent
from tests.factories import UserFactory
from tests.patients.factories import CareTeamMembershipFactory, MedicationFactory, PatientFactory


@pytest.fixture
def patient(patient_user):
    return PatientFactory(user=patient_user)


@pytest.fixture
def other_patient(other_patient_user):
    return PatientFactory(user=other_patient_user)


@pytest.fixture
def membership(patient, provider):
    return CareTeamMembershipFactory(patient=patient, provider=provider)


def test_it_shows_a_patient_only_their_own_record(patient, other_patient, patient_user):
    assert list(selectors.visible_patients(patient_user)) == [patient]


def test_it_shows_a_provider_the_patients_on_their_care_team(
    membership, patient, other_patient, provider
):
    assert list(selectors.visible_patients(provider)) == [patient]


def test_it_shows_a_provider_off_every_team_nothing(patient, other_provider):
    assert not selectors.visible_patients(other_provider).exists()


def test_it_shows_a_provider_whose_membership_ended_nothing(membership, provider):
    services.care_team_end(membership=membership)

    assert not selectors.visible_patients(provider).exists()
    with pytest.raises(Http404):
        selectors.patient_for(provider, membership.patient_id)


def test_it_shows_admins_inactive_users_and_anonymous_visitors_nothing(
    membership, admin_user, provider
):
    provider.is_active = False
    provider.save(update_fields=["is_active"])

    assert not selectors.visible_patients(admin_user).exists()
    assert not selectors.visible_patients(provider).exists()
    assert not selectors.visible_patients(AnonymousUser()).exists()


def test_it_answers_404_for_a_patient_the_viewer_may_not_see(patient, other_patient, provider):
    assert selectors.patient_for(patient.user, patient.pk) == patient
    for viewer, pk in [
        (patient.user, other_patient.pk),
        (provider, patient.pk),
        (patient.user, "not-a-number"),
    ]:
        with pytest.raises(Http404):
            selectors.patient_for(viewer, pk)


@pytest.mark.django_db
def test_it_answers_404_for_a_patient_user_without_a_profile():
    user = UserFactory(role=Role.PATIENT)  # the base factory makes no profile

    with pytest.raises(Http404):
        selectors.own_patient(user)


def test_it_finds_a_medication_for_its_patient_and_care_team(membership, patient, provider):
    medication = MedicationFactory(patient=patient)

    assert selectors.medication_for(patient.user, medication.pk) == medication
    assert selectors.medication_for(provider, medication.pk) == medication


def test_it_answers_404_for_a_foreign_medication(
    membership, patient, other_patient, provider, other_provider, admin_user
):
    mine = MedicationFactory(patient=patient)
    theirs = MedicationFactory(patient=other_patient)

    for viewer, pk in [
        (patient.user, theirs.pk),
        (other_patient.user, mine.pk),
        (provider, theirs.pk),
        (other_provider, mine.pk),
        (admin_user, mine.pk),
        (patient.user, "x"),
    ]:
        with pytest.raises(Http404):
            selectors.medication_for(viewer, pk)


def test_it_lists_an_opioid_taken_now_as_blocking(patient):
    percocet = MedicationFactory(patient=patient, name="Percocet 5/325")

    assert selectors.opioid_washout_ends(percocet) is None
    assert selectors.opioid_block(patient=patient, today=date(2026, 3, 10)) == [percocet]


def test_it_blocks_a_stopped_opioid_until_the_washout_ends(patient):
    stopped = date(2026, 3, 1)
    oxycodone = MedicationFactory(patient=patient, name="OxyContin 10 mg", stopped_on=stopped)
    ends = selectors.opioid_washout_ends(oxycodone)

    assert ends == stopped + timedelta(days=10)
    assert selectors.opioid_block(patient=patient, today=stopped) == [oxycodone]
    assert selectors.opioid_block(patient=patient, today=ends - timedelta(days=1)) == [oxycodone]
    assert selectors.opioid_block(patient=patient, today=ends) == []


def test_it_blocks_methadone_for_fourteen_days(patient):
    methadone = MedicationFactory(patient=patient, name="methadone", stopped_on=date(2026, 3, 1))

    assert selectors.opioid_block(patient=patient, today=date(2026, 3, 14)) == [methadone]
    assert selectors.opioid_block(patient=patient, today=date(2026, 3, 15)) == []


def test_it_never_blocks_loperamide_or_ordinary_medications(patient):
    MedicationFactory(patient=patient, name="Imodium 2 mg")
    MedicationFactory(patient=patient, name="loperamide")
    MedicationFactory(patient=patient, name="Naloxone")

    assert selectors.opioid_block(patient=patient, today=date(2026, 3, 10)) == []


def test_it_lists_access_events_for_one_patient_newest_first(
    membership, patient, other_patient, provider
):
    def event(who, at):
        return AccessEvent.objects.create(
            actor=provider,
            actor_role=provider.role,
            patient=who,
            action=AccessEvent.Action.VIEW_RECORD,
            path="/",
            at=at,
        )

    older = event(patient, datetime(2026, 3, 1, 9, tzinfo=UTC))
    newer = event(patient, datetime(2026, 3, 2, 9, tzinfo=UTC))
    event(other_patient, datetime(2026, 3, 3, 9, tzinfo=UTC))

    assert list(selectors.access_events_for(patient=patient)) == [newer, older]
