"""How the portal writes doses, dates and times for people: one format everywhere.

Doses: "1.5 mg" (no trailing zeros, no exponent). Dates: "26 Nov 2026" (the short form
"26 Nov" inside sentences about recent days). Times: the locale's clock; in English the
12-hour clock, "7:10 pm" (locale/en makes Django's "p.m." read "pm").
"""

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format, time_format

DAY_FORMAT = "j M Y"
SHORT_DAY_FORMAT = "j M"
WHEN_DAY_FORMAT = "D j M Y"


def mg(value: Decimal | str | int | float | None) -> str:
    """A dose in mg without its unit, as people write it: Decimal("4.500") -> "4.5"."""
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{number.normalize():f}"


def dose(value: Decimal | str | int | float | None) -> str:
    """A dose with its unit: "1.5 mg"."""
    text = mg(value)
    return f"{text} mg" if text else ""


def day(value: date | None) -> str:
    """ "26 Nov 2026"."""
    return date_format(value, DAY_FORMAT) if value else ""


def short_day(value: date | None) -> str:
    """ "26 Nov", for a recent day inside a sentence."""
    return date_format(value, SHORT_DAY_FORMAT) if value else ""


def clock(value: time | datetime | None) -> str:
    """A time of day in the locale's clock: "7:10 pm" in English."""
    if value is None:
        return ""
    return time_format(value)


def when(instant: datetime | None, zone_name: str) -> str:
    """An instant as a local date and time in `zone_name`: "Thu 26 Nov 2026, 7:10 pm"."""
    if instant is None:
        return ""
    local = timezone.localtime(instant, ZoneInfo(zone_name))
    return f"{date_format(local, WHEN_DAY_FORMAT)}, {clock(local)}"
