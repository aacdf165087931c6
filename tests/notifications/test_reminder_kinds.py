"""What each reminder kind plans and what it says at send time (portal/notifications
NOTIFICATION_KINDS: dose and step in regimens/reminders, diary and check-in in
patients/reminders, the provider's digest)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from patients.models import DiaryEntry, Flag
from patients.services.profile import care_team_add
from portal.notifications import services
from portal.notifications.models import Delivery, Notification
from regimens.models import DecisionReason, Protocol
from regimens.services.decisions import regimen_advance
from regimens.services.reports import dose_log_mark
from tests.notifications.factories import rows, safety_flags, start_regimen

pytestmark = pytest.mark.django_db
Status = Notification.Status
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York
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
def regimen(patient, provider):
    return start_regimen(patient, provider, start_on=TODAY - timedelta(days=6))


def _send(row):
    """The worker's part: claim the row as the dispatcher does and send it."""
    Notification.objects.filter(pk=row.pk).update(status=Status.QUEUED)
    services.notification_send(notification_id=row.pk, version=row.version)
    row.refresh_from_db()
    return row


def _planned(user, kind, **filters):
    services.reminders_replan(user=user)
    return rows(user, kind, channel="in_app", status=Status.PENDING, **filters).order_by("due_at")


# Tonight's dose


def test_it_names_tonights_dose_in_the_patients_formulation(patient, regimen):
    row = _send(_planned(patient.user, "dose", context__date="2026-03-10").get())

    assert row.status == Status.SENT
    assert row.title == "Tonight's LDN dose"
    assert row.body == "Tonight: 1 mg (1.0 mL of your 1 mg/mL liquid)."
    assert row.link == "/tonight/"
    assert Delivery.objects.filter(notification=row).count() == 1


def test_it_skips_the_dose_reminder_once_the_dose_is_marked_taken(patient, regimen):
    row = _planned(patient.user, "dose", context__date="2026-03-10").get()
    dose_log_mark(regimen=regimen, on=TODAY, status="taken", recorded_by=patient.user)

    assert _send(row).status == Status.SKIPPED


def test_it_plans_dose_reminders_from_the_first_day_of_a_later_start(patient, provider):
    start_regimen(patient, provider, start_on=TODAY + timedelta(days=2))

    days = list(_planned(patient.user, "dose").values_list("context__date", flat=True))

    assert days == ["2026-03-12"]  # the horizon is 72 hours


def test_it_plans_no_dose_reminder_for_a_provider(provider, regimen):
    assert not _planned(provider, "dose").exists()


# Titration steps


def test_it_announces_a_step_that_needs_approval_the_evening_before(patient, regimen):
    # Started 6 days ago on a weekly protocol: the step to 2 mg is planned for tomorrow.
    eve = _planned(patient.user, "step", context__moment="eve").get()

    assert eve.due_at == datetime(2026, 3, 10, 22, 0, tzinfo=UTC)  # 18:00 EDT
    row = _send(eve)
    assert row.title == "Your next LDN step is planned for tomorrow"
    assert "2 mg (2.0 mL of your 1 mg/mL liquid)" in row.body
    assert "once your care team approves" in row.body


def test_it_says_nothing_on_the_day_of_a_step_not_approved_yet(patient, regimen):
    day = _planned(patient.user, "step", context__moment="day").get()
    assert day.due_at == datetime(2026, 3, 12, 2, 0, tzinfo=UTC)  # 22:00 EDT on the 11th

    with time_machine.travel(day.due_at, tick=False):
        assert _send(day).status == Status.SKIPPED


def test_it_names_the_new_dose_on_the_day_a_step_begins(patient, provider, regimen):
    regimen_advance(
        regimen=regimen,
        dose_mg=Decimal("2"),
        decided_by=provider,
        reason=DecisionReason.TOLERATING_WELL,
        today=TODAY,
    )

    row = _send(_planned(patient.user, "step", context__moment="day").first())

    assert row.due_at == datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
    assert row.title == "New LDN dose from tonight"
    assert row.body == "From tonight: 2 mg (2.0 mL of your 1 mg/mL liquid)."


def test_it_announces_an_automatic_step_as_a_change(patient, regimen):
    Protocol.objects.filter(pk=regimen.protocol_id).update(requires_approval=False)

    row = _send(_planned(patient.user, "step", context__moment="eve").get())

    assert row.title == "Your LDN dose changes tomorrow"
    assert row.body == "From tomorrow: 2 mg (2.0 mL of your 1 mg/mL liquid)."


# The diary


def test_it_nudges_for_the_diary_at_the_chosen_time(patient):
    row = _planned(patient.user, "diary", context__date="2026-03-10").get()

    assert row.due_at == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)  # 20:00 EDT
    sent = _send(row)
    assert sent.title == "How was your day?"
    assert sent.link == "/diary/2026-03-10/"  # that day's entry, even if opened the next day


def test_it_skips_the_diary_nudge_when_the_days_entry_exists(patient):
    row = _planned(patient.user, "diary", context__date="2026-03-10").get()
    DiaryEntry.objects.create(
        patient=patient,
        local_date=TODAY,
        pain=4,
        entered_by=patient.user,
        created_at=NOW,
        updated_at=NOW,
    )

    assert _send(row).status == Status.SKIPPED


# The provider's digest


def test_it_counts_new_flags_and_due_titration_decisions_in_the_digest(patient, provider, regimen):
    safety_flags(patient, 2)
    digest = _planned(provider, "digest").first()
    # Next morning 07:30 in New York; the step to 2 mg is due on 11 March.
    assert digest.due_at == datetime(2026, 3, 11, 11, 30, tzinfo=UTC)

    with time_machine.travel(digest.due_at, tick=False):
        row = _send(digest)

    assert row.status == Status.SENT
    assert row.body == (
        "2 new flags on your patients since yesterday. 1 titration decision is due."
    )
    assert row.link == "/provider/"


def test_it_sends_no_digest_on_a_quiet_day(provider, patient):
    digest = _planned(provider, "digest").first()
    Flag.objects.all().delete()

    with time_machine.travel(digest.due_at, tick=False):
        assert _send(digest).status == Status.SKIPPED


def test_it_never_plans_a_digest_for_a_patient(patient):
    assert not _planned(patient.user, "digest").exists()


def test_a_due_row_is_composed_by_its_kind_at_send_time(patient, regimen):
    """The composer reads the plan again: a pause after planning means nothing to take."""
    row = _planned(patient.user, "dose", context__date="2026-03-10").get()
    Notification.objects.filter(pk=row.pk).update(due_at=timezone.now())
    regimen.status, regimen.paused_on = "paused", TODAY
    regimen.save()

    assert _send(row).status == Status.SKIPPED
