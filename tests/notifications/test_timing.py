"""Local times to UTC across daylight-saving changes (hand-worked against the tz database)."""

from datetime import UTC, date, datetime, time

import pytest

from portal.lib.timing import in_quiet_hours, local_to_utc, minutes_before


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc"),
    [
        # New York: EST (UTC-5) until 8 Mar 2026, EDT (UTC-4) until 1 Nov 2026.
        ("America/New_York", date(2026, 3, 7), datetime(2026, 3, 8, 3, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 3, 8), datetime(2026, 3, 9, 2, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 10, 31), datetime(2026, 11, 1, 2, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 11, 1), datetime(2026, 11, 2, 3, 0, tzinfo=UTC)),
        # London: GMT until 29 Mar 2026, BST (UTC+1) until 25 Oct 2026.
        ("Europe/London", date(2026, 3, 28), datetime(2026, 3, 28, 22, 0, tzinfo=UTC)),
        ("Europe/London", date(2026, 3, 29), datetime(2026, 3, 29, 21, 0, tzinfo=UTC)),
        ("Europe/London", date(2026, 10, 24), datetime(2026, 10, 24, 21, 0, tzinfo=UTC)),
        ("Europe/London", date(2026, 10, 25), datetime(2026, 10, 25, 22, 0, tzinfo=UTC)),
        # Sydney: AEDT (UTC+11) until 5 Apr 2026, AEST (UTC+10) until 4 Oct 2026.
        ("Australia/Sydney", date(2026, 4, 4), datetime(2026, 4, 4, 11, 0, tzinfo=UTC)),
        ("Australia/Sydney", date(2026, 4, 5), datetime(2026, 4, 5, 12, 0, tzinfo=UTC)),
        ("Australia/Sydney", date(2026, 10, 3), datetime(2026, 10, 3, 12, 0, tzinfo=UTC)),
        ("Australia/Sydney", date(2026, 10, 4), datetime(2026, 10, 4, 11, 0, tzinfo=UTC)),
    ],
)
def test_it_keeps_22_00_local_on_both_sides_of_each_change(zone, day, expected_utc):
    assert local_to_utc(day, time(22, 0), zone) == expected_utc


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        # 02:30 does not exist on 8 Mar 2026 in New York: the next valid minute is 03:00 EDT.
        ("America/New_York", date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        # 01:30 does not exist on 29 Mar 2026 in London: 02:00 BST.
        ("Europe/London", date(2026, 3, 29), time(1, 30), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # 02:15 does not exist on 4 Oct 2026 in Sydney: 03:00 AEDT.
        (
            "Australia/Sydney",
            date(2026, 10, 4),
            time(2, 15),
            datetime(2026, 10, 3, 16, 0, tzinfo=UTC),
        ),
    ],
)
def test_it_moves_a_time_in_the_spring_gap_to_the_next_valid_minute(zone, day, at, expected_utc):
    assert local_to_utc(day, at, zone) == expected_utc


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        # 01:30 happens twice on 1 Nov 2026 in New York: the first is EDT (UTC-4).
        (
            "America/New_York",
            date(2026, 11, 1),
            time(1, 30),
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        ),
        (
            "Europe/London",
            date(2026, 10, 25),
            time(1, 30),
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        ),
        (
            "Australia/Sydney",
            date(2026, 4, 5),
            time(2, 30),
            datetime(2026, 4, 4, 15, 30, tzinfo=UTC),
        ),
    ],
)
def test_it_takes_the_first_of_a_repeated_hour(zone, day, at, expected_utc):
    assert local_to_utc(day, at, zone) == expected_utc


def test_it_handles_quiet_hours_across_midnight():
    start, end = time(21, 0), time(7, 0)
    zone = "Europe/London"

    assert in_quiet_hours(datetime(2026, 1, 5, 22, 0, tzinfo=UTC), zone, start, end)
    assert in_quiet_hours(datetime(2026, 1, 5, 6, 59, tzinfo=UTC), zone, start, end)
    assert not in_quiet_hours(datetime(2026, 1, 5, 7, 0, tzinfo=UTC), zone, start, end)
    assert not in_quiet_hours(datetime(2026, 1, 5, 12, 0, tzinfo=UTC), zone, None, None)


def test_it_counts_minutes_back_past_midnight():
    assert minutes_before(time(22, 30), 30) == time(22, 0)
    assert minutes_before(time(0, 15), 30) == time(23, 45)
