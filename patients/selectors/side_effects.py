"""The one read path for side effects: whatever their source (the diary, the patient's report
on Tonight, the care team's report on the regimen page), one row per day and item at the
worse severity, with the source of that rating kept.

The titration engine's inputs, the flag rules, triage and the trends read side effects here
and nowhere else. Takes a patient already resolved through patients.selectors.records.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Q

from patients.models import DiaryEntry, Patient, SideEffectReport
from patients.rules import side_effects as catalogue
from patients.rules.flags import CARE_TEAM, CAREGIVER, DIARY, TONIGHT
from portal.accounts.models import Role


@dataclass(frozen=True)
class SideEffect:
    patient_id: int
    day: date
    item: str  # the catalogue's key
    severity: int  # MILD..SEVERE
    source: str  # DIARY, TONIGHT, CARE_TEAM or CAREGIVER (a caregiver's diary or report)
    entered_by_id: int | None = None
    note: str = ""  # "another side effect": which one


@dataclass
class SideEffectDay:
    """Every item reported on a day, at its worst, with where that rating came from."""

    day: date
    severities: dict[str, int] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    other_text: str = ""


# The diary's columns its side effects are read from. A page that reads the patient's diary
# days anyway (the trends) asks for these beside its own and hands the rows to
# side_effects_with, rather than reading the diary twice.
DIARY_EFFECT_COLUMNS = (
    "patient_id",
    "local_date",
    "entered_by_id",
    "entered_by__role",
    "other_effect_text",
    *catalogue.FIELDS,
)


def _any_side_effect() -> Q:
    query = Q()
    for field_name in catalogue.FIELDS:
        query |= Q(**{f"{field_name}__gte": catalogue.MILD})
    return query


def _from_diary(patients: Q, first: date, last: date) -> Iterable[SideEffect]:
    rows = (
        DiaryEntry.objects.filter(patients, _any_side_effect(), local_date__range=(first, last))
        .order_by()
        .values_list(*DIARY_EFFECT_COLUMNS)
    )
    yield from _diary_effects(rows)


def _diary_effects(rows) -> Iterable[SideEffect]:
    for patient_id, day, entered_by, role, other_text, *severities in rows:
        for item, severity in zip(catalogue.ITEMS, severities, strict=True):
            if severity:
                yield SideEffect(
                    patient_id=patient_id,
                    day=day,
                    item=item.key,
                    severity=severity,
                    source=CAREGIVER if role == Role.CAREGIVER else DIARY,
                    entered_by_id=entered_by,
                    note=other_text if item.key == catalogue.OTHER else "",
                )


def _from_reports(patients: Q, first: date, last: date) -> Iterable[SideEffect]:
    rows = (
        SideEffectReport.objects.filter(patients, on__range=(first, last))
        .order_by()
        .values_list(
            "patient_id",
            "on",
            "kind",
            "severity",
            "entered_by_id",
            "entered_by__role",
            "patient__user_id",
            "note",
        )
    )
    for patient_id, day, kind, severity, entered_by, role, patient_user, note in rows:
        if role == Role.CAREGIVER:
            source = CAREGIVER
        else:
            source = TONIGHT if entered_by == patient_user else CARE_TEAM
        yield SideEffect(
            patient_id=patient_id,
            day=day,
            item=kind,
            severity=severity,
            source=source,
            entered_by_id=entered_by,
            note=note if kind == catalogue.OTHER else "",
        )


def _worst(effects: Iterable[SideEffect]) -> list[SideEffect]:
    """One per patient, day and item: the worse severity wins; on a tie the diary's."""
    order = {DIARY: 0, TONIGHT: 1, CAREGIVER: 2, CARE_TEAM: 3}
    best: dict[tuple[int, date, str], SideEffect] = {}
    for effect in effects:
        key = (effect.patient_id, effect.day, effect.item)
        held = best.get(key)
        if held is None or (effect.severity, -order[effect.source]) > (
            held.severity,
            -order[held.source],
        ):
            best[key] = effect
    return sorted(best.values(), key=lambda e: (e.patient_id, e.day, catalogue.KEYS.index(e.item)))


def entry_row(entry: DiaryEntry) -> tuple:
    """A diary entry as _from_diary reads it (its `entered_by_role` annotated, else read)."""
    role = getattr(entry, "entered_by_role", None)
    if role is None and entry.entered_by_id is not None:
        role = entry.entered_by.role
    return (
        entry.patient_id,
        entry.local_date,
        entry.entered_by_id,
        role,
        entry.other_effect_text,
        *(getattr(entry, name) for name in catalogue.FIELDS),
    )


def diary_entries_between(
    *, patient: Patient, first: date, last: date, every_from: date
) -> list[DiaryEntry]:
    """The patient's diary entries from `first` to `last` with a side effect, and every entry
    from `every_from` on, with the role of whoever entered each (`entered_by_role`)."""
    return list(
        DiaryEntry.objects.filter(patient=patient, local_date__range=(first, last))
        .filter(_any_side_effect() | Q(local_date__gte=every_from))
        .annotate(entered_by_role=F("entered_by__role"))
    )


def worst_of(*, entries: Iterable[DiaryEntry], reports: Iterable[SideEffect]) -> list[SideEffect]:
    """The side effects of diary entries already read and of reports already read
    (side_effect_reports), one per patient, day and item at the worse severity."""
    return _worst([*_diary_effects(entry_row(e) for e in entries), *reports])


def side_effect_reports(*, patient: Patient, first: date, last: date) -> list[SideEffect]:
    """The side effects reported on Tonight or by the care team from `first` to `last`."""
    return list(_from_reports(Q(patient_id=patient.pk), first, last))


def side_effects_of(*, patient_ids, first: date, last: date) -> dict[int, list[SideEffect]]:
    """The side effects of many patients from `first` to `last` (inclusive), mild or worse,
    by patient, in two queries whatever the number of patients (triage, the queue)."""
    patients = Q(patient_id__in=patient_ids)
    found: dict[int, list[SideEffect]] = {}
    for effect in _worst(
        [*_from_diary(patients, first, last), *_from_reports(patients, first, last)]
    ):
        found.setdefault(effect.patient_id, []).append(effect)
    return found


def side_effects_for(*, patient: Patient, first: date, last: date) -> list[SideEffect]:
    """The patient's side effects from `first` to `last` (inclusive), mild or worse, oldest
    first: one per day and item at the worse severity of any source."""
    return side_effects_of(patient_ids=[patient.pk], first=first, last=last).get(patient.pk, [])


def side_effects_with(
    *, patient: Patient, diary_rows: Iterable[dict], first: date, last: date
) -> list[SideEffect]:
    """side_effects_for, when the caller has read the patient's diary days from `first` to
    `last` (every day, each a dict with DIARY_EFFECT_COLUMNS): only the reports are read."""
    rows = (tuple(row[column] for column in DIARY_EFFECT_COLUMNS) for row in diary_rows)
    return _worst([*_diary_effects(rows), *_from_reports(Q(patient_id=patient.pk), first, last)])


def side_effect_days(*, patient: Patient, first: date, last: date) -> list[SideEffectDay]:
    """The same, gathered by day (the flag rules' view)."""
    return days_of(side_effects_for(patient=patient, first=first, last=last))


def days_of(effects: Iterable[SideEffect]) -> list[SideEffectDay]:
    """Side effects (of one patient) gathered by day."""
    days: dict[date, SideEffectDay] = {}
    for effect in effects:
        day = days.setdefault(effect.day, SideEffectDay(day=effect.day))
        day.severities[effect.item] = effect.severity
        day.sources[effect.item] = effect.source
        if effect.note:
            day.other_text = effect.note
    return [days[d] for d in sorted(days)]
