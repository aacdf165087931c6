"""Check-in services: booking, the patient's answer, moving, cancelling, completing with
the PGIC, the regimen's check-in rule and the overdue flag; and the reminders they plan."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from patients.models import CheckIn, Flag, PGICResponse
from patients.services.checkins import (
    checkin_book,
    checkin_cancel,
    checkin_complete,
    checkin_confirm,
    checkin_request_change,
    checkin_reschedule,
    checkins_flag_overdue,
)
from patients.services.profile import care_team_add, care_team_end
from portal.notifications import services as notifications
from portal.notifications.models import Notification
from regimens.calendar import checkin_events
from regimens.models import DecisionReason
from regimens.services.checkin_rules import checkin_rule_set, checkins_apply_rule
from regimens.services.decisions import regimen_advance
from tests.notifications.factories import rows, start_regimen

pytestmark = pytest.mark.django_db
Status = CheckIn.Status
Pending = Notification.Status.PENDING
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York (EDT)
TODAY = date(2026, 3, 10)
THURSDAY_3PM = datetime(2026, 3, 12, 19, 0, tzinfo=UTC)  # 15:00 EDT


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(patient_user, provider):
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    return patient_user.patient


@pytest.fixture
def checkin(patient, provider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return checkin_book(
            patient=patient,
            provider=provider,
            starts_at=THURSDAY_3PM,
            kind="video",
            booked_by=provider,
        )


def _send_all(user, kind="checkin"):
    """Send everything due now, as the worker would; the user's in-app rows that went out
    (sent or skipped)."""
    notifications.send_due_inline()
    return list(rows(user, kind, channel="in_app", status__in=["sent", "skipped"]).order_by("pk"))


def _reminders(user, **filters):
    """The user's pending in-app reminders before the check-in (not the one-off notices)."""
    return rows(
        user, "checkin", channel="in_app", status=Pending, context__event__in=["24h", "1h"]
    ).filter(**filters)


# Booking


def test_it_books_a_check_in_and_asks_the_patient_to_confirm(checkin, patient, provider):
    assert checkin.status == Status.BOOKED
    assert checkin.created_by == provider
    assert checkin.history.first().history_change_reason == "booked"
    [notice] = _send_all(patient.user)
    assert notice.title == "Check-in booked"
    assert notice.body == (
        f"{provider} booked a check-in with you on Thu 12 Mar 2026, 3:00 pm (your time): "
        "video call. Please confirm it or ask for another time."
    )
    assert notice.link == "/check-ins/"


def test_it_reminds_both_a_day_and_an_hour_before(checkin, patient, provider):
    for user in (patient.user, provider):
        due = sorted(_reminders(user).values_list("due_at", flat=True))
        assert due == [THURSDAY_3PM - timedelta(hours=24), THURSDAY_3PM - timedelta(hours=1)]


def test_it_writes_each_reminder_in_the_readers_own_time(checkin, patient, provider):
    provider.timezone = "Europe/London"
    provider.save()
    hour_before = THURSDAY_3PM - timedelta(hours=1)

    with time_machine.travel(hour_before, tick=False):
        _send_all(patient.user)
        _send_all(provider)

    mine = rows(patient.user, "checkin", channel="in_app", context__event="1h").get()
    theirs = rows(provider, "checkin", channel="in_app", context__event="1h").get()
    assert mine.title == theirs.title == "Check-in in 1 hour"
    assert "Thu 12 Mar 2026, 3:00 pm" in mine.body
    assert "Thu 12 Mar 2026, 7:00 pm" in theirs.body  # GMT in London on 12 March
    assert patient.user.name in theirs.body
    assert theirs.link == f"/patients/{patient.pk}/check-ins/{checkin.pk}/"


@pytest.mark.parametrize("starts_at", [NOW, NOW - timedelta(minutes=1), NOW + timedelta(days=400)])
def test_it_refuses_a_time_in_the_past_or_over_a_year_ahead(patient, provider, starts_at):
    with pytest.raises(ValidationError) as refused:
        checkin_book(
            patient=patient,
            provider=provider,
            starts_at=starts_at,
            kind="video",
            booked_by=provider,
        )

    assert "starts_at" in refused.value.message_dict
    assert not CheckIn.objects.exists()


def test_it_refuses_a_provider_off_the_care_team(patient, other_provider):
    with pytest.raises(ValidationError):
        checkin_book(
            patient=patient,
            provider=other_provider,
            starts_at=THURSDAY_3PM,
            kind="phone",
            booked_by=other_provider,
        )

    assert not CheckIn.objects.exists()


def test_it_refuses_an_unknown_kind(patient, provider):
    with pytest.raises(ValidationError) as refused:
        checkin_book(
            patient=patient,
            provider=provider,
            starts_at=THURSDAY_3PM,
            kind="telepathy",
            booked_by=provider,
        )

    assert "kind" in refused.value.message_dict


# The patient's answer


def test_it_confirms_and_keeps_the_reminders(checkin, patient, provider):
    checkin_confirm(checkin=checkin)

    checkin.refresh_from_db()
    assert checkin.status == Status.CONFIRMED
    assert _reminders(patient.user).count() == 2
    notifications.send_due_inline()
    booked = rows(patient.user, "checkin", channel="in_app", context__event="booked").get()
    assert booked.status == Notification.Status.SKIPPED  # confirmed before it went out


def test_it_cannot_confirm_a_check_in_that_has_started(checkin):
    with time_machine.travel(THURSDAY_3PM, tick=False), pytest.raises(ValidationError):
        checkin_confirm(checkin=checkin)

    checkin.refresh_from_db()
    assert checkin.status == Status.BOOKED


def test_it_asks_for_another_time_with_a_suggestion_in_the_patients_time(
    checkin, patient, provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        checkin_request_change(
            checkin=checkin,
            message="Mornings suit me better.",
            suggested_at=datetime(2026, 3, 13, 13, 30, tzinfo=UTC),
        )

    checkin.refresh_from_db()
    assert checkin.status == Status.RESCHEDULE_REQUESTED
    assert checkin.patient_message == (
        "Mornings suit me better.\nSuggested time: Fri 13 Mar 2026, 9:30 am (America/New_York)"
    )
    assert not _reminders(patient.user).exists(), "no reminders for a time being changed"
    [notice] = _send_all(provider)
    assert notice.title == "Another time asked for a check-in"


def test_it_refuses_a_suggested_time_in_the_past(checkin):
    with pytest.raises(ValidationError) as refused:
        checkin_request_change(
            checkin=checkin, message="Earlier?", suggested_at=NOW - timedelta(hours=2)
        )

    assert "suggested_date" in refused.value.message_dict
    checkin.refresh_from_db()
    assert checkin.status == Status.BOOKED


# The provider moves, cancels or completes it


def test_it_moves_the_check_in_and_its_reminders(
    checkin, patient, provider, django_capture_on_commit_callbacks
):
    checkin_request_change(checkin=checkin, message="Friday?")
    before = {r.dedupe_key: r.version for r in rows(provider, "checkin")}
    evening = THURSDAY_3PM + timedelta(hours=4)

    with django_capture_on_commit_callbacks(execute=True):
        checkin_reschedule(
            checkin=checkin, starts_at=evening, kind="phone", rescheduled_by=provider
        )

    checkin.refresh_from_db()
    assert (checkin.status, checkin.starts_at, checkin.kind) == (Status.BOOKED, evening, "phone")
    assert checkin.patient_message == ""
    hour_before = _reminders(provider, context__event="1h").get()
    assert hour_before.due_at == evening - timedelta(hours=1)
    assert hour_before.version > before[hour_before.dedupe_key]
    sent = {row.context["event"]: row for row in _send_all(patient.user)}
    assert sent["moved"].title == "Check-in moved"
    assert sent["booked"].status == Notification.Status.SKIPPED  # the old time


def test_it_cancels_the_check_in_and_withdraws_its_reminders(
    checkin, patient, provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        checkin_cancel(checkin=checkin, cancelled_by=provider)

    checkin.refresh_from_db()
    assert checkin.status == Status.CANCELLED
    assert not _reminders(patient.user).exists()
    assert not _reminders(provider).exists()
    cancelled = [r for r in _send_all(patient.user) if r.context["event"] == "cancelled"]
    assert cancelled[0].title == "Check-in cancelled"
    with pytest.raises(ValidationError):
        checkin_confirm(checkin=checkin)


def test_it_completes_the_check_in_with_notes_and_the_pgic(checkin, patient, provider):
    with time_machine.travel(THURSDAY_3PM + timedelta(minutes=30), tick=False):
        checkin_complete(
            checkin=checkin, notes="Sleeping better.", pgic_score=2, completed_by=provider
        )

    checkin.refresh_from_db()
    assert checkin.status == Status.COMPLETED
    assert checkin.notes == "Sleeping better."
    assert checkin.completed_at == THURSDAY_3PM + timedelta(minutes=30)
    answer = PGICResponse.objects.get()
    assert (answer.score, answer.occasion, answer.checkin) == (2, "checkin", checkin)
    assert answer.answered_on == date(2026, 3, 12)
    assert answer.entered_by == provider


@pytest.mark.parametrize("score", [0, 8])
def test_it_refuses_a_pgic_answer_outside_1_to_7(checkin, provider, score):
    with pytest.raises(ValidationError):
        checkin_complete(checkin=checkin, notes="", pgic_score=score, completed_by=provider)

    assert not PGICResponse.objects.exists()
    checkin.refresh_from_db()
    assert checkin.status == Status.BOOKED


# Overdue check-ins


def _overdue_flags(checkin, **filters):
    return Flag.objects.filter(
        kind=Flag.Kind.OVERDUE_CHECKIN, cause=f"checkin:{checkin.pk}", **filters
    )


def test_it_flags_a_check_in_24_hours_past_without_completion(checkin):
    assert checkins_flag_overdue(now=THURSDAY_3PM + timedelta(hours=23)) == 0
    assert checkins_flag_overdue(now=THURSDAY_3PM + timedelta(hours=25)) == 1
    assert checkins_flag_overdue(now=THURSDAY_3PM + timedelta(hours=26)) == 0

    flag = _overdue_flags(checkin).get()
    assert flag.is_open
    assert flag.severity == Flag.Severity.ATTENTION
    assert "Thu 12 Mar 2026, 3:00 pm" in flag.reason


def test_completing_an_overdue_check_in_resolves_its_flag(checkin, provider):
    later = THURSDAY_3PM + timedelta(days=2)
    checkins_flag_overdue(now=later)

    checkin_complete(
        checkin=checkin, notes="Spoke late.", pgic_score=4, completed_by=provider, now=later
    )

    flag = _overdue_flags(checkin).get()
    assert not flag.is_open
    assert flag.resolved_by == provider


def test_it_flags_a_moved_check_in_again_only_when_the_new_time_is_overdue(checkin, provider):
    checkins_flag_overdue(now=THURSDAY_3PM + timedelta(days=2))
    moved_to = THURSDAY_3PM + timedelta(days=5)
    with time_machine.travel(THURSDAY_3PM + timedelta(days=2), tick=False):
        checkin_reschedule(
            checkin=checkin, starts_at=moved_to, kind="video", rescheduled_by=provider
        )

    assert checkins_flag_overdue(now=moved_to + timedelta(hours=1)) == 0
    assert checkins_flag_overdue(now=moved_to + timedelta(hours=25)) == 1
    assert _overdue_flags(checkin, resolved_at__isnull=True).count() == 1


def test_it_does_not_flag_completed_or_cancelled_check_ins(checkin, patient, provider):
    other = checkin_book(
        patient=patient,
        provider=provider,
        starts_at=THURSDAY_3PM,
        kind="phone",
        booked_by=provider,
    )
    checkin_cancel(checkin=other, cancelled_by=provider)
    checkin_complete(checkin=checkin, notes="", pgic_score=3, completed_by=provider)

    assert checkins_flag_overdue(now=THURSDAY_3PM + timedelta(days=3)) == 0


# The regimen's check-in rule


@pytest.fixture
def regimen(patient, provider):
    return start_regimen(patient, provider, start_on=TODAY - timedelta(days=2))


def _set_rule(regimen, provider, **changes):
    values = {"days_after_step": 3, "kind": "phone", "at_time": time(10, 0), "active": True}
    return checkin_rule_set(regimen=regimen, set_by=provider, **(values | changes))


def test_a_rule_books_a_check_in_for_the_current_step(regimen, patient, provider):
    _set_rule(regimen, provider)

    checkin = CheckIn.objects.get()
    # Step began 8 March; 3 days later at 10:00 in the provider's New York time (EDT).
    assert checkin.starts_at == datetime(2026, 3, 11, 14, 0, tzinfo=UTC)
    assert (checkin.from_rule, checkin.kind, checkin.provider) == (True, "phone", provider)
    assert checkin.status == Status.BOOKED


def test_a_rule_books_a_check_in_after_each_step_once(regimen, patient, provider):
    _set_rule(regimen, provider)
    regimen_advance(
        regimen=regimen,
        dose_mg=Decimal("2"),
        decided_by=provider,
        reason=DecisionReason.TOLERATING_WELL,
        today=TODAY,
    )
    checkins_apply_rule(regimen=regimen)
    _set_rule(regimen, provider)

    starts = sorted(CheckIn.objects.values_list("starts_at", flat=True))
    assert starts == [
        datetime(2026, 3, 11, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 13, 14, 0, tzinfo=UTC),
    ]


def test_a_rule_does_not_book_again_a_check_in_that_was_cancelled(regimen, provider):
    _set_rule(regimen, provider)
    checkin_cancel(checkin=CheckIn.objects.get(), cancelled_by=provider)

    assert checkins_apply_rule(regimen=regimen) is None
    assert CheckIn.objects.count() == 1


def test_a_rule_books_nothing_when_off_when_past_or_when_its_provider_left(
    regimen, patient, provider
):
    _set_rule(regimen, provider, active=False)
    _set_rule(regimen, provider, days_after_step=1)  # 9 March: already past
    assert not CheckIn.objects.exists()

    care_team_end(membership=patient.memberships.get(provider=provider))
    _set_rule(regimen, provider, days_after_step=5)
    assert not CheckIn.objects.exists()


def test_a_rule_books_when_the_regimen_starts_later(patient, provider):
    regimen = start_regimen(patient, provider, start_on=TODAY + timedelta(days=7))
    _set_rule(regimen, provider, days_after_step=14, at_time=time(9, 30), kind="diary_review")

    checkin = CheckIn.objects.get()
    assert checkin.starts_at == datetime(2026, 3, 31, 13, 30, tzinfo=UTC)
    assert checkin.kind == "diary_review"


# The calendar feed


def test_it_puts_open_check_ins_in_the_calendar_feed(checkin, patient):
    [plain] = checkin_events(patient=patient, today=TODAY, include_details=False)
    [detailed] = checkin_events(patient=patient, today=TODAY, include_details=True)

    assert plain.day == date(2026, 3, 12)
    assert plain.title == "LDN check-in"
    assert detailed.title == "LDN check-in: Video call"
    assert "3:00 pm" in detailed.description


def test_the_periodic_task_raises_the_overdue_flags(checkin):
    from patients.tasks import flag_overdue_checkins

    with time_machine.travel(THURSDAY_3PM + timedelta(hours=25), tick=False):
        assert flag_overdue_checkins() == 1
        assert flag_overdue_checkins() == 0
