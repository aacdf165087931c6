"""Local wall-clock times to UTC instants, across daylight-saving changes, and each person's
local date. Pure except `local_today`, which reads the clock.

A reminder set for 22:00 in the patient's zone fires at 22:00 local time whatever the UTC
offset that day. Two edge cases, decided here once:

- A local time that does not exist (clocks spring forward over it) moves to the first valid
  minute after the gap, e.g. 02:30 on the spring-forward night in New York becomes 03:00.
- A local time that happens twice (clocks fall back) is the first occurrence (fold=0); the
  reminder's key is its local date, so the repeated hour cannot send it a second time.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    round_trip = local.astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


def local_to_utc(day: date, at: time, zone_name: str) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `zone_name`."""
    zone = ZoneInfo(zone_name)
    local = datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=zone)
    # Walk forward a minute at a time out of a gap (gaps are at most a few hours).
    for _ in range(24 * 60):
        if _exists(local, zone):
            return local.replace(fold=0).astimezone(UTC)
        local = (local.replace(tzinfo=None) + timedelta(minutes=1)).replace(tzinfo=zone)
    raise ValueError(f"No valid local time found after {day} {at} in {zone_name}")


def local_date(instant: datetime, zone_name: str) -> date:
    return instant.astimezone(ZoneInfo(zone_name)).date()


def in_quiet_hours(instant: datetime, zone_name: str, start: time | None, end: time | None) -> bool:
    """Whether `instant` falls in the quiet hours [start, end) local time (may cross midnight)."""
    if start is None or end is None or start == end:
        return False
    local = instant.astimezone(ZoneInfo(zone_name)).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def minutes_before(at: time, minutes: int) -> time:
    """Wall-clock time `minutes` before `at` (wrapping past midnight)."""
    anchor = datetime.combine(date(2000, 1, 2), at) - timedelta(minutes=minutes)
    return anchor.time()


def local_today(person) -> date:
    """Today's date where this person lives: `person` is a user, or anything with a `user`
    (a patient). Diary days, doses and reminders all follow the user's time zone."""
    user = getattr(person, "user", person)
    return timezone.now().astimezone(ZoneInfo(user.timezone)).date()
