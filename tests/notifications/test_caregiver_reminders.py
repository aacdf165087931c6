"""Reminders a patient chose to send their caregiver too: the diary nudge at the caregiver's
own time in the caregiver's own time zone, the dose reminder at the patient's dose time,
both in the caregiver's own language; never once the grant or the choice has ended, never on
a day without LDN."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.models import CaregiverGrant, DiaryEntry
from patients.services.care import caregiver_grant_end, caregiver_grant_update, caregiver_invite
from patients.services.profile import care_team_add, profile_update
from portal.accounts.services import invitation_accept_existing
from portal.notifications import services
from portal.notifications.models import Notification
from tests.factories import CaregiverFactory
from tests.notifications.factories import rows, start_regimen

pytestmark = pytest.mark.django_db
Status = Notification.Status
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York, 15:00 in Madrid
TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(patient_user, provider):
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    return patient_user.patient


@pytest.fixture
def ana(db):
    return CaregiverFactory(email="ana@example.org", name="Ana Ruiz", timezone="Europe/Madrid")


def _grant(patient, caregiver, permissions, reminders):
    offer, _token = caregiver_invite(
        patient=patient,
        email=caregiver.email,
        permissions=permissions,
        reminders=reminders,
        invited_by=patient.user,
    )
    invitation_accept_existing(invitation=offer.invitation, user=caregiver)
    return CaregiverGrant.objects.get(caregiver=caregiver, ended_at__isnull=True)


def _send(row):
    Notification.objects.filter(pk=row.pk).update(status=Status.QUEUED)
    services.notification_send(notification_id=row.pk, version=row.version)
    row.refresh_from_db()
    return row


def _planned(user, kind, **filters):
    services.reminders_replan(user=user)
    return rows(user, kind, channel="in_app", status=Status.PENDING, **filters).order_by("due_at")


def test_the_diary_nudge_comes_at_the_caregivers_time_in_their_time_zone(patient, ana):
    _grant(patient, ana, ["diary"], ["diary"])

    row = _planned(ana, "diary").first()

    assert row.due_at == datetime(2026, 3, 10, 19, 0, tzinfo=UTC)  # 20:00 in Madrid
    assert row.context == {"date": "2026-03-10", "patient": patient.pk}  # 15:00 in New York
    sent = _send(row)
    assert sent.title == "A diary is still empty"
    assert sent.link == "/care/"
    assert patient.user.name not in sent.body


def test_the_diary_nudge_is_skipped_once_the_day_is_written(patient, ana):
    _grant(patient, ana, ["diary"], ["diary"])
    row = _planned(ana, "diary").first()
    DiaryEntry.objects.create(
        patient=patient, local_date=TODAY, pain=3, entered_by=ana, created_at=NOW, updated_at=NOW
    )

    assert _send(row).status == Status.SKIPPED


def test_the_dose_reminder_comes_at_the_patients_dose_time(patient, provider, ana):
    start_regimen(patient, provider, start_on=TODAY - timedelta(days=6))
    _grant(patient, ana, ["plan"], ["dose"])
    patients_row = _planned(patient.user, "dose", context__date="2026-03-10").get()

    row = _planned(ana, "dose", context__date="2026-03-10").get()

    assert row.due_at == patients_row.due_at
    sent = _send(row)
    assert (sent.title, sent.link) == ("An LDN dose is due", "/care/")


def test_no_reminder_unless_chosen_and_about_something_granted(patient, provider, ana):
    start_regimen(patient, provider, start_on=TODAY - timedelta(days=6))
    grant = _grant(patient, ana, ["trends"], ["dose", "diary"])  # neither dose nor diary rights

    assert not _planned(ana, "dose").exists() and not _planned(ana, "diary").exists()

    caregiver_grant_update(
        grant=grant, permissions=["diary"], reminders=[], changed_by=patient.user
    )
    assert not _planned(ana, "dose").exists() and not _planned(ana, "diary").exists()


def test_ending_access_cancels_the_caregivers_reminders_and_a_queued_one_is_not_sent(
    patient, ana, django_capture_on_commit_callbacks
):
    grant = _grant(patient, ana, ["diary"], ["diary"])
    queued, *later = _planned(ana, "diary")
    Notification.objects.filter(pk=queued.pk).update(status=Status.QUEUED)  # being sent

    with django_capture_on_commit_callbacks(execute=True):
        caregiver_grant_end(grant=grant, ended_by=patient.user)

    assert not rows(ana, "diary", status=Status.PENDING).exists()  # planned again at once
    services.notification_send(notification_id=queued.pk, version=queued.version)
    queued.refresh_from_db()
    assert queued.status == Status.SKIPPED  # the grant is read at send time


def test_a_new_bedtime_moves_the_caregivers_dose_reminder_at_once(
    patient, provider, ana, django_capture_on_commit_callbacks
):
    start_regimen(patient, provider, start_on=TODAY - timedelta(days=6))
    _grant(patient, ana, ["plan"], ["dose"])
    before = _planned(ana, "dose", context__date="2026-03-10").get().due_at

    with django_capture_on_commit_callbacks(execute=True):
        profile_update(
            patient=patient,
            date_of_birth=patient.date_of_birth,
            timezone_name=patient.user.timezone,
            bedtime=time(23, 30),
            conditions=[],
            other_condition="",
            pharmacy_name="",
            pharmacy_phone="",
        )

    row = rows(ana, "dose", channel="in_app", status=Status.PENDING, context__date="2026-03-10")
    assert row.get().due_at == before + timedelta(hours=1)


def test_a_caregivers_reminders_are_in_the_caregivers_own_language(patient, provider, ana, client):
    client.force_login(ana)  # the caregiver picks Spanish under My account → Language
    client.post(reverse("language_set"), {"language": "es", "next": reverse("account")})
    ana.refresh_from_db()
    assert ana.message_language == "es"
    start_regimen(patient, provider, start_on=TODAY - timedelta(days=6))
    _grant(patient, ana, ["plan", "diary"], ["dose", "diary"])

    dose = _send(_planned(ana, "dose", context__date="2026-03-10").get())
    diary = _send(_planned(ana, "diary").first())
    patients_own = _send(_planned(patient.user, "dose", context__date="2026-03-10").get())

    assert (dose.title, dose.body) == (
        "Toca una dosis de LDN",
        "A alguien a quien usted cuida le toca ahora una dosis de LDN.",
    )
    assert diary.title == "Un diario sigue vacío"
    assert patients_own.title == "Tonight's LDN dose"  # the patient's own stays in English
