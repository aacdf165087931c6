"""A provider's care team in bulk: patients on regimens with a daily diary, dose logs and open
flags, written without services or history rows, for the page benchmark (bench/pages.py)
and the query-count tests of the provider pages.

Deterministic for a given seed. Every patient has the same shape, so a page runs the same
queries at any size: an active regimen on the common clinic schedule (its start spread over
the last months), a diary every day, a dose log every day of the regimen, and an open flag.

The two large tables (diary days and dose logs: 3.65 million and about a million rows for
10,000 patients and a year) go in through PostgreSQL's COPY, the rest with bulk_create; on
SQLite (the tests) everything goes through bulk_create.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from patients.models import CareTeamMembership, DiaryEntry, Flag, Patient
from portal.accounts.models import Role, User
from regimens import titration
from regimens.models import DoseLog, Protocol, Regimen, TitrationStep
from regimens.services.status import status_refresh_patient
from tests.regimens.seeds import ensure_protocols

PROTOCOL_FAMILY = "clinic-1-5-mg-fortnightly"
SIDE_EFFECTS = ("vivid_dreams", "insomnia", "headache", "nausea")
BATCH = 5000
# Rows gathered before they are written: bounds memory at 10,000 patients x 365 days.
FLUSH_ROWS = 200_000
DIARY_COLUMNS = (
    "patient_id", "local_date", "pain", "fatigue", "sleep_quality", "mood", *SIDE_EFFECTS,
    "entered_by_id", "created_at", "updated_at",
)  # fmt: skip
DOSE_COLUMNS = ("regimen_id", "on", "status", "dose_mg", "recorded_by_id", "recorded_at")


@dataclass
class World:
    provider: User
    patients: list[Patient]


def _clamp(value: float) -> int:
    return max(0, min(10, round(value)))


class BulkTable:
    """Rows of one model given as tuples of some of its columns; the other columns take
    their field defaults. Written with COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self, model, columns: tuple[str, ...]):
        self.model, self.columns, self.rows = model, columns, []
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        by_attname = {f.attname: f for f in fields}
        missing = set(columns) - set(by_attname)
        if missing:
            raise ValueError(f"{model.__name__} has no column {sorted(missing)}")
        self.fields = fields
        self.positions = [
            columns.index(f.attname) if f.attname in columns else None for f in fields
        ]
        now = timezone.now()
        self.defaults = [
            None
            if f.attname in columns
            else now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_db_prep_save(f.get_default(), connection)
            for f in fields
        ]

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            self._copy()
        else:
            self.model.objects.bulk_create(
                (self.model(**dict(zip(self.columns, row, strict=True))) for row in self.rows),
                batch_size=BATCH,
            )
        self.rows = []

    def _copy(self) -> None:
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in self.fields)
        plan = list(zip(self.positions, self.defaults, strict=True))
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            with raw.copy(f"COPY {quote(self.model._meta.db_table)} ({names}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row([default if at is None else row[at] for at, default in plan])


def build_care_team(
    *,
    provider: User,
    patients: int,
    diary_days: int,
    today: date,
    seed: int = 2026,
    prefix: str = "bench",
    password: str | None = None,
) -> World:
    """`patients` patients on `provider`'s care team, each with `diary_days` days of diary up
    to `today` and the rest of their record. Returns them in creation order."""
    ensure_protocols()
    rng = random.Random(seed)
    now = timezone.now()
    protocol = Protocol.objects.get(family=PROTOCOL_FAMILY, retired_at__isnull=True)
    rules = protocol.rules(dose_quantum_mg=Decimal("0.1"))
    hashed = make_password(password) if password else make_password(None)

    users = User.objects.bulk_create(
        [
            User(
                email=f"{prefix}-{n:05d}@example.org",
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {n:05d}",
                role=Role.PATIENT,
                timezone="America/New_York",
                password=hashed,
            )
            for n in range(patients)
        ],
        batch_size=BATCH,
    )
    people = Patient.objects.bulk_create(
        [
            Patient(
                user=user,
                date_of_birth=date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
                bedtime=time(22, 30),
                off_label_acknowledged_at=now,
                onboarded_at=now,
            )
            for n, user in enumerate(users)
        ],
        batch_size=BATCH,
    )
    CareTeamMembership.objects.bulk_create(
        [
            CareTeamMembership(patient=p, provider=provider, since=now, added_by=provider)
            for p in people
        ],
        batch_size=BATCH,
    )

    regimens = [
        # Starts spread from 10 to 200 days back; a few steps are due and waiting.
        Regimen(
            patient=patient,
            protocol=protocol,
            form=Regimen.Form.LIQUID,
            concentration_mg_per_ml=Decimal("1"),
            dose_time="bedtime",
            status=Regimen.Status.ACTIVE,
            started_on=today - timedelta(days=10 + (n * 37) % 190),
            started_by=provider,
        )
        for n, patient in enumerate(people)
    ]
    Regimen.objects.bulk_create(regimens, batch_size=BATCH)

    days = [today - timedelta(days=offset) for offset in range(diary_days - 1, -1, -1)]
    evenings = {day: datetime.combine(day, time(20), tzinfo=UTC) for day in days}
    nights = {day: datetime.combine(day, time(22), tzinfo=UTC) for day in days}
    no_effects = (0,) * len(SIDE_EFFECTS)
    entries, logs = BulkTable(DiaryEntry, DIARY_COLUMNS), BulkTable(DoseLog, DOSE_COLUMNS)
    steps, flags = [], []
    taken, missed = DoseLog.Status.TAKEN.value, DoseLog.Status.MISSED.value
    for n, (patient, regimen) in enumerate(zip(people, regimens, strict=True)):
        plan = titration.plan_steps(
            rules=rules, start_mg=protocol.start_mg, start_on=regimen.started_on
        )
        begun = [(dose, day) for dose, day in plan if day <= today]
        # Every fifth patient's next step is due but not yet decided.
        if n % 5 == 0 and len(begun) > 1:
            begun = begun[:-1]
        for sequence, (dose, day) in enumerate(plan, start=1):
            position = sequence - 1
            if position < len(begun) - 1:
                status, started_on = TitrationStep.Status.DONE, day
            elif position == len(begun) - 1:
                status, started_on = TitrationStep.Status.CURRENT, day
            else:
                status, started_on = TitrationStep.Status.PLANNED, None
            steps.append(
                TitrationStep(
                    regimen=regimen,
                    sequence=sequence,
                    dose_mg=dose,
                    dose_time="bedtime",
                    planned_on=day,
                    started_on=started_on,
                    status=status,
                    decided_by=provider,
                )
            )
        dose_by_day = {day: dose for dose, day in begun}
        current_dose = None
        baseline_pain = rng.uniform(4.5, 7.5)
        responder = n % 3 == 0
        started = regimen.started_on
        for day in days:
            current_dose = dose_by_day.get(day, current_dose)
            on_ldn = day >= started
            weeks = max(0, (day - started).days) / 7
            pain = baseline_pain - (min(weeks, 8) * 0.4 if responder and on_ldn else 0)
            effects = no_effects
            roll = rng.random()
            if on_ldn and roll < 0.06:
                which = SIDE_EFFECTS.index(rng.choice(SIDE_EFFECTS))
                effects = tuple(
                    (1 if roll < 0.045 else 2) if i == which else 0
                    for i in range(len(SIDE_EFFECTS))
                )
            entries.add(
                (
                    patient.pk,
                    day,
                    _clamp(pain + rng.gauss(0, 1)),
                    _clamp(5 + rng.gauss(0, 1.5)),
                    _clamp(6 + rng.gauss(0, 1.5)),
                    _clamp(6 + rng.gauss(0, 1.5)),
                    *effects,
                    patient.user_id,
                    evenings[day],
                    evenings[day],
                )
            )
            if on_ldn and current_dose is not None:
                status = missed if rng.random() < 0.03 else taken
                logs.add((regimen.pk, day, status, current_dose, patient.user_id, nights[day]))
        # Every patient has an open flag, so every row looks the same to the page.
        severity, kind = [
            (Flag.Severity.URGENT, Flag.Kind.SEVERE_SIDE_EFFECT),
            (Flag.Severity.ATTENTION, Flag.Kind.MISSED_DOSES),
            (Flag.Severity.INFO, Flag.Kind.SILENT_DIARY),
        ][n % 3]
        flags.append(
            Flag(
                patient=patient,
                kind=kind,
                severity=severity,
                reason=f"Benchmark flag {n}: {kind}",
                cause=f"bench:{n}",
                raised_at=now,
            )
        )
    entries.flush()
    logs.flush()
    TitrationStep.objects.bulk_create(steps, batch_size=BATCH)
    Flag.objects.bulk_create(flags, batch_size=BATCH)
    # The rows above bypass the services, so each patient's status is worked out once here,
    # as the services would have kept it.
    for patient in Patient.objects.filter(pk__in=[p.pk for p in people]).select_related("user"):
        status_refresh_patient(patient=patient, now=now)
    return World(provider=provider, patients=people)


FIRST = ("Ada", "Ben", "Cleo", "Dev", "Esme", "Finn", "Gita", "Hal", "Ines", "Jon", "Kemi", "Luca")
LAST = ("Abbot", "Baker", "Chen", "Diaz", "Evans", "Fox", "Garcia", "Hughes", "Iqbal", "Jones")
