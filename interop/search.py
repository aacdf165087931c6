"""FHIR search parameters the API understands, parsed; anything else is a `SearchError`
(400 with an OperationOutcome). Pure: strings in, filters out."""

import re
from dataclasses import dataclass
from datetime import date

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le")
DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[0-9:.+\-Z]*)?$")

# The search parameters of each type, beyond `patient`/`subject`.
PARAMETERS = {
    "Observation": {"code", "date", "category"},
    "Condition": {"code"},
    "MedicationRequest": {"status"},
    "MedicationStatement": {"status"},
    "Appointment": {"date", "status"},
    "Communication": {"date", "status"},
}
IGNORED = {"_format"}


class SearchError(ValueError):
    pass


@dataclass(frozen=True)
class DateFilter:
    prefix: str
    low: date  # the first day the value covers
    high: date  # the last day it covers

    def matches(self, day: date) -> bool:
        if self.prefix == "eq":
            return self.low <= day <= self.high
        if self.prefix == "ne":
            return not self.low <= day <= self.high
        if self.prefix == "gt":
            return day > self.high
        if self.prefix == "ge":
            return day >= self.low
        if self.prefix == "lt":
            return day < self.low
        return day <= self.high  # le


def parse_date(value: str) -> DateFilter:
    prefix = value[:2] if value[:2] in PREFIXES else "eq"
    text = value[2:] if value[:2] in PREFIXES else value
    match = DATE.match(text)
    if not match:
        raise SearchError(f"'{value}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = match.groups()
    try:
        if day:
            low = high = date(int(year), int(month), int(day))
        elif month:
            low = date(int(year), int(month), 1)
            nxt = date(int(year) + (month == "12"), int(month) % 12 + 1, 1)
            high = date.fromordinal(nxt.toordinal() - 1)
        else:
            low, high = date(int(year), 1, 1), date(int(year), 12, 31)
    except ValueError:
        raise SearchError(f"'{value}' is not a date") from None
    return DateFilter(prefix, low, high)


@dataclass(frozen=True)
class Search:
    patient: str | None
    codes: tuple = ()  # (system or None, code)
    dates: tuple = ()  # DateFilter, all must match
    statuses: tuple = ()
    categories: tuple = ()


def parse_search(kind: str, params) -> Search:
    """`params` is a QueryDict-like mapping of lists."""
    allowed = PARAMETERS[kind] | {"patient", "subject"} | IGNORED
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise SearchError(f"{kind} cannot be searched by {', '.join(unknown)}")
    patient = None
    for name in ("patient", "subject"):
        for value in params.getlist(name):
            value = value.removeprefix("Patient/")
            if not value.isdigit():
                raise SearchError(f"'{value}' is not a patient id")
            if patient is not None and value != patient:
                raise SearchError("only one patient can be searched at a time")
            patient = value
    codes = []
    for value in params.getlist("code"):
        for one in value.split(","):
            system, bar, code = one.rpartition("|")
            if not code:
                raise SearchError(f"'{one}' is not a code")
            codes.append((system if bar else None, code))
    dates = tuple(parse_date(v) for v in params.getlist("date"))
    statuses = tuple(s for v in params.getlist("status") for s in v.split(",") if s)
    categories = tuple(
        c.rpartition("|")[2] for v in params.getlist("category") for c in v.split(",") if c
    )
    return Search(patient, tuple(codes), dates, statuses, categories)


def _day_of(resource: dict) -> date | None:
    kind = resource["resourceType"]
    if kind == "Observation":
        text = resource.get("effectiveDateTime")
    elif kind == "Appointment":
        text = resource.get("start")
    elif kind == "Communication":
        text = resource.get("sent")
    else:
        return None
    return date.fromisoformat(text[:10]) if text else None


def matches(search: Search, resource: dict) -> bool:
    if search.codes:
        codings = resource.get("code", {}).get("coding", [])
        if not any(
            c.get("code") == code and (system is None or c.get("system") == system)
            for system, code in search.codes
            for c in codings
        ):
            return False
    if search.dates:
        day = _day_of(resource)
        if day is None or not all(f.matches(day) for f in search.dates):
            return False
    if search.statuses and resource.get("status") not in search.statuses:
        return False
    if search.categories:
        codes = {c.get("code") for cat in resource.get("category", []) for c in cat["coding"]}
        if not codes & set(search.categories):
            return False
    return True
