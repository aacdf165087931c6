"""How the portal writes doses, dates and times for people: one format everywhere, in the
reader's language (the patterns below, chosen by the active language; the decimal separator
is the language's own, from Django's locale formats).

Doses: "1.5 mg", "1,5 mg" in Spanish (no trailing zeros, no exponent). Dates: "26 Nov 2026",
"26 nov 2026" in Spanish (the short form "26 Nov" inside sentences about recent days). Times:
the language's clock (its TIME_FORMAT): English the 12-hour clock, "7:10 pm" (locale/en makes
Django's "p.m." read "pm"), Spanish the 24-hour clock, "19:10". `plain_mg` is the machine
form ("1.5") for files and stored values.
"""

from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format, get_format, time_format
from django.utils.translation import get_language

# Per language: English writes "26 Nov 2026", Spanish "26 nov 2026" (a lower-case month).
DAY_FORMATS = {"en": "j M Y", "es": "j b Y"}
SHORT_DAY_FORMATS = {"en": "j M", "es": "j b"}
# The day part of an instant; the time follows in the language's clock (clock()).
WHEN_DAY_FORMATS = {"en": "D j M Y", "es": "D j b Y"}
DAY_FORMAT = DAY_FORMATS["en"]
SHORT_DAY_FORMAT = SHORT_DAY_FORMATS["en"]


def _pattern(patterns: dict[str, str]) -> str:
    language = (get_language() or "en").split("-")[0]
    return patterns.get(language, patterns["en"])


def plain_mg(value: Decimal | str | int | float | None) -> str:
    """A dose in mg for files and stored values, whatever the language: "4.5"."""
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{number.normalize():f}"


def mg(value: Decimal | str | int | float | None) -> str:
    """A dose in mg without its unit, as people write it in the active language:
    Decimal("4.500") -> "4.5" ("4,5" in Spanish)."""
    text = plain_mg(value)
    return text.replace(".", get_format("DECIMAL_SEPARATOR")) if text else ""


def dose(value: Decimal | str | int | float | None) -> str:
    """A dose with its unit: "1.5 mg"."""
    text = mg(value)
    return f"{text} mg" if text else ""


@lru_cache(maxsize=8192)
def _date(value: date, pattern: str, language: str) -> str:
    # The words of a day depend only on the pattern and the language (month names), so a
    # year of trends labels is formatted once, not once per patient and request. `language`
    # is the active one: the caller's key, read by date_format through the translation.
    return date_format(value, pattern)


def _calendar_day(value: date) -> date:
    # An instant by its own calendar day (the caller has put it in the reader's zone): two
    # aware datetimes of one instant in two zones compare equal, and must not share a key.
    return value.date() if isinstance(value, datetime) else value


def day(value: date | None) -> str:
    """ "26 Nov 2026"."""
    if not value:
        return ""
    return _date(_calendar_day(value), _pattern(DAY_FORMATS), get_language())


def short_day(value: date | None) -> str:
    """ "26 Nov", for a recent day inside a sentence."""
    if not value:
        return ""
    return _date(_calendar_day(value), _pattern(SHORT_DAY_FORMATS), get_language())


def short_days(values: list[date]) -> list[str]:
    """short_day of each day, the language looked up once (a year of the trends' labels)."""
    pattern, language = _pattern(SHORT_DAY_FORMATS), get_language()
    return [_date(value, pattern, language) for value in values]


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
    return f"{date_format(local, _pattern(WHEN_DAY_FORMATS))}, {clock(local)}"
