from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from patients.selectors.medications import opioid_block, opioid_washout_ends
from patients.selectors.records import (
    access_visits,
    medication_for,
    own_patient,
    patient_for,
    visible_patients,
)
from patients.services.profile import care_team_end
from portal.accounts.models import Role
from portal.audit.models import AccessEvent
from tests.factories import UserFactory
from tests.patients.factories import CareTeamMembershipFactory, MedicationFactory, PatientFactory

VIEW = AccessEvent.Action.VIEW_RECORD


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
    assert list(visible_patients(patient_user)) == [patient]


def test_it_shows_a_provider_the_patients_on_their_care_team(
    membership, patient, other_patient, provider
):
    assert list(visible_patients(provider)) == [patient]


def test_it_shows_a_provider_off_every_team_nothing(patient, other_provider):
    assert not visible_patients(other_provider).exists()


def test_it_shows_a_provider_whose_membership_ended_nothing(membership, provider):
    care_team_end(membership=membership)

    assert not visible_patients(provider).exists()
    with pytest.raises(Http404):
        patient_for(provider, membership.patient_id, purpose=VIEW)


def test_it_shows_admins_inactive_users_and_anonymous_visitors_nothing(
    membership, admin_user, provider
):
    provider.is_active = False
    provider.save(update_fields=["is_active"])

    assert not visible_patients(admin_user).exists()
    assert not visible_patients(provider).exists()
    assert not visible_patients(AnonymousUser()).exists()


def test_it_answers_404_for_a_patient_the_viewer_may_not_see(patient, other_patient, provider):
    assert patient_for(patient.user, patient.pk, purpose=VIEW) == patient
    for viewer, pk in [
        (patient.user, other_patient.pk),
        (provider, patient.pk),
        (patient.user, "not-a-number"),
        (patient.user, 9223372036854775808),
    ]:
        with pytest.raises(Http404):
            patient_for(viewer, pk, purpose=VIEW)
    assert not AccessEvent.objects.exists()


def test_it_writes_the_access_event_when_someone_else_reads_the_record(
    membership, patient, provider
):
    assert patient_for(provider, patient.pk, purpose=VIEW, path="/patients/1/") == patient
    assert patient_for(patient.user, patient.pk, purpose=VIEW) == patient

    (event,) = AccessEvent.objects.all()
    assert (event.actor, event.patient, event.action, event.path) == (
        provider,
        patient,
        VIEW,
        "/patients/1/",
    )


@pytest.mark.django_db
def test_it_answers_404_for_a_patient_user_without_a_profile():
    user = UserFactory(role=Role.PATIENT)  # the base factory makes no profile

    with pytest.raises(Http404):
        own_patient(user)


def test_it_finds_a_medication_for_its_patient_and_care_team(membership, patient, provider):
    medication = MedicationFactory(patient=patient)

    assert medication_for(patient.user, medication.pk, patient=patient) == medication
    assert medication_for(provider, medication.pk, patient=patient) == medication


def test_it_answers_404_for_a_foreign_medication(
    membership, patient, other_patient, provider, other_provider, admin_user
):
    mine = MedicationFactory(patient=patient)
    theirs = MedicationFactory(patient=other_patient)

    for viewer, pk, whose in [
        (patient.user, theirs.pk, patient),
        (other_patient.user, mine.pk, other_patient),
        (provider, theirs.pk, patient),
        (provider, theirs.pk, other_patient),
        (other_provider, mine.pk, patient),
        (admin_user, mine.pk, patient),
        (patient.user, "x", patient),
    ]:
        with pytest.raises(Http404):
            medication_for(viewer, pk, patient=whose)


def test_it_lists_an_opioid_taken_now_as_blocking(patient):
    percocet = MedicationFactory(patient=patient, name="Percocet 5/325")

    assert opioid_washout_ends(percocet) is None
    assert opioid_block(patient=patient, today=date(2026, 3, 10)) == [percocet]


def test_it_blocks_a_stopped_opioid_until_the_washout_ends(patient):
    stopped = date(2026, 3, 1)
    oxycodone = MedicationFactory(patient=patient, name="OxyContin 10 mg", stopped_on=stopped)
    ends = opioid_washout_ends(oxycodone)

    assert ends == stopped + timedelta(days=10)
    assert opioid_block(patient=patient, today=stopped) == [oxycodone]
    assert opioid_block(patient=patient, today=ends - timedelta(days=1)) == [oxycodone]
    assert opioid_block(patient=patient, today=ends) == []


def test_it_blocks_methadone_for_fourteen_days(patient):
    methadone = MedicationFactory(patient=patient, name="methadone", stopped_on=date(2026, 3, 1))

    assert opioid_block(patient=patient, today=date(2026, 3, 14)) == [methadone]
    assert opioid_block(patient=patient, today=date(2026, 3, 15)) == []


def test_it_never_blocks_loperamide_or_ordinary_medications(patient):
    MedicationFactory(patient=patient, name="Imodium 2 mg")
    MedicationFactory(patient=patient, name="loperamide")
    MedicationFactory(patient=patient, name="Naloxone")

    assert opioid_block(patient=patient, today=date(2026, 3, 10)) == []


def test_it_groups_the_access_log_by_person_and_day_newest_first(
    membership, patient, other_patient, provider
):
    def event(who, at, action=AccessEvent.Action.VIEW_RECORD):
        return AccessEvent.objects.create(
            actor=provider, actor_role=provider.role, patient=who, action=action, path="/", at=at
        )

    first = event(patient, datetime(2026, 3, 1, 9, tzinfo=UTC))
    event(patient, datetime(2026, 3, 2, 9, tzinfo=UTC), AccessEvent.Action.VIEW_DIARY)
    event(patient, datetime(2026, 3, 2, 9, 5, tzinfo=UTC), AccessEvent.Action.VIEW_TRENDS)
    event(patient, datetime(2026, 3, 2, 9, 9, tzinfo=UTC), AccessEvent.Action.VIEW_DIARY)
    event(other_patient, datetime(2026, 3, 3, 9, tzinfo=UTC))

    _page, visits = access_visits(patient=patient)

    assert [(v.day, v.count, v.actions) for v in visits] == [
        (date(2026, 3, 2), 3, ["view_diary", "view_trends"]),
        (date(2026, 3, 1), 1, ["view_record"]),
    ]
    assert visits[0].what == "diary and trends"
    assert visits[1].events == [first]
