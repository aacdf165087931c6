"""Tonight's dose reminder across daylight-saving changes, through the real planning path:
the patient's bedtime and preferences → reminders_replan → the dispatcher's claim →
notification_send, with the clock frozen just before and at the local reminder time.

Changes in 2026: New York 8 Mar and 1 Nov; London 29 Mar and 25 Oct; Sydney 5 Apr (back)
and 4 Oct (forward).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from patients.services.profile import care_team_add
from portal.notifications import services
from portal.notifications.models import Delivery, Notification
from tests.notifications.factories import rows, start_regimen

pytestmark = pytest.mark.django_db
Status = Notification.Status
MINUTE = timedelta(minutes=1)

CHANGES = [
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Europe/London", date(2026, 3, 29)),
    ("Europe/London", date(2026, 10, 25)),
    ("Australia/Sydney", date(2026, 4, 5)),
    ("Australia/Sydney", date(2026, 10, 4)),
]


@pytest.fixture
def patient(patient_user, provider):
    """Bedtime 22:30 (the factory's), on the provider's care team."""
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    return patient_user.patient


def _live_in(patient, zone):
    patient.user.timezone = zone
    patient.user.save(update_fields=["timezone"])


def _dose_rows(patient, day, channel="in_app"):
    return rows(patient.user, "dose", channel=channel, context__date=day.isoformat())


def _tick(patient, instant):
    """What beat and the worker do at `instant`: top up the plan, claim and send what is due."""
    with time_machine.travel(instant, tick=False):
        services.reminders_replan(user=patient.user)
        services.send_due_inline()


def _delivered(patient, day, channel="in_app"):
    return Delivery.objects.filter(notification__in=_dose_rows(patient, day, channel)).count()


@pytest.mark.parametrize(("zone", "change"), CHANGES)
@pytest.mark.parametrize("offset", [-1, 0], ids=["day-before", "day-of-change"])
def test_it_reminds_at_22_00_local_either_side_of_each_change(
    patient, provider, zone, change, offset
):
    _live_in(patient, zone)
    day = change + timedelta(days=offset)
    at = datetime.combine(day, time(22, 0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    with time_machine.travel(at - timedelta(days=3), tick=False):
        start_regimen(patient, provider, start_on=day - timedelta(days=3))

    _tick(patient, at - MINUTE)

    row = _dose_rows(patient, day).get()
    assert row.due_at == at
    assert row.status == Status.PENDING

    _tick(patient, at)

    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.sent_at == at
    assert row.body == "Tonight: 1 mg (1.0 mL of your 1 mg/mL liquid)."
    assert _delivered(patient, day) == 1
    assert _delivered(patient, day, "email") == 1


@pytest.mark.parametrize(
    ("zone", "day", "chosen", "expected_utc"),
    [
        # 02:30 does not exist in New York on 8 Mar 2026: 03:00 EDT.
        ("America/New_York", date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 7, 0)),
        # 01:30 does not exist in London on 29 Mar 2026: 02:00 BST.
        ("Europe/London", date(2026, 3, 29), time(1, 30), datetime(2026, 3, 29, 1, 0)),
        # 02:15 does not exist in Sydney on 4 Oct 2026: 03:00 AEDT.
        ("Australia/Sydney", date(2026, 10, 4), time(2, 15), datetime(2026, 10, 3, 16, 0)),
    ],
)
def test_it_moves_a_reminder_in_the_spring_gap_to_the_next_valid_minute(
    patient, provider, zone, day, chosen, expected_utc
):
    _live_in(patient, zone)
    expected = expected_utc.replace(tzinfo=UTC)
    prefs = services.preferences_for(patient.user)
    prefs.dose_time = chosen
    prefs.save()
    with time_machine.travel(expected - timedelta(days=2), tick=False):
        start_regimen(patient, provider, start_on=day - timedelta(days=2))

    _tick(patient, expected - MINUTE)

    assert _dose_rows(patient, day).get().due_at == expected
    assert _delivered(patient, day) == 0

    _tick(patient, expected)

    assert _delivered(patient, day) == 1


@pytest.mark.parametrize(
    ("zone", "day", "first_utc", "second_utc"),
    [
        # 01:30 happens twice in New York on 1 Nov 2026: EDT (05:30 UTC), then EST.
        (
            "America/New_York",
            date(2026, 11, 1),
            datetime(2026, 11, 1, 5, 30),
            datetime(2026, 11, 1, 6, 30),
        ),
        # London on 25 Oct 2026: BST (00:30 UTC), then GMT.
        (
            "Europe/London",
            date(2026, 10, 25),
            datetime(2026, 10, 25, 0, 30),
            datetime(2026, 10, 25, 1, 30),
        ),
        # Sydney on 5 Apr 2026, at 02:30: AEDT (15:30 UTC the day before), then AEST.
        (
            "Australia/Sydney",
            date(2026, 4, 5),
            datetime(2026, 4, 4, 15, 30),
            datetime(2026, 4, 4, 16, 30),
        ),
    ],
)
def test_it_sends_once_when_the_reminder_time_happens_twice(
    patient, provider, zone, day, first_utc, second_utc
):
    _live_in(patient, zone)
    first, second = first_utc.replace(tzinfo=UTC), second_utc.replace(tzinfo=UTC)
    prefs = services.preferences_for(patient.user)
    prefs.dose_time = time(1, 30) if zone != "Australia/Sydney" else time(2, 30)
    prefs.save()
    with time_machine.travel(first - timedelta(days=2), tick=False):
        start_regimen(patient, provider, start_on=day - timedelta(days=2))

    _tick(patient, first - MINUTE)
    assert _delivered(patient, day) == 0

    _tick(patient, first)
    _tick(patient, second - MINUTE)
    _tick(patient, second)
    _tick(patient, second + timedelta(minutes=30))

    assert _dose_rows(patient, day).count() == 1
    assert _delivered(patient, day) == 1
    assert _delivered(patient, day, "email") == 1
