"""A provider's care team in bulk: patients on regimens with a daily diary, dose logs and open
flags, written with bulk_create (no history rows, no services), for the triage benchmark
(bench/triage.py) and the triage page's query-count test.

Deterministic for a given seed. Every patient has the same shape, so the page runs the same
queries at any size: an active regimen on the common clinic schedule (its start spread over
the last months), a diary every day, a dose log every day of the regimen, and a few open
flags.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from patients.models import CareTeamMembership, DiaryEntry, Flag, Patient
from portal.accounts.models import Role, User
from regimens import titration
from regimens.models import DoseLog, Protocol, Regimen, TitrationStep
from regimens.services.status import status_refresh_patient
from tests.regimens.seeds import ensure_protocols

PROTOCOL_FAMILY = "clinic-1-5-mg-fortnightly"
SIDE_EFFECTS = ("vivid_dreams", "insomnia", "headache", "nausea")
BATCH = 2000


@dataclass
class World:
    provider: User
    patients: list[Patient]


def _clamp(value: float) -> int:
    return max(0, min(10, round(value)))


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

    regimens, steps, logs, entries, flags = [], [], [], [], []
    for n, patient in enumerate(people):
        # Starts spread from 10 to 200 days back; a few steps are due and waiting.
        started = today - timedelta(days=10 + (n * 37) % 190)
        regimen = Regimen(
            patient=patient,
            protocol=protocol,
            form=Regimen.Form.LIQUID,
            concentration_mg_per_ml=Decimal("1"),
            dose_time="bedtime",
            status=Regimen.Status.ACTIVE,
            started_on=started,
            started_by=provider,
        )
        regimens.append(regimen)
    Regimen.objects.bulk_create(regimens, batch_size=BATCH)

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
        dose_by_day = {}
        for dose, day in begun:
            dose_by_day[day] = dose
        current_dose = None
        baseline_pain = rng.uniform(4.5, 7.5)
        responder = n % 3 == 0
        for offset in range(diary_days - 1, -1, -1):
            day = today - timedelta(days=offset)
            current_dose = dose_by_day.get(day, current_dose)
            on_ldn = day >= regimen.started_on
            weeks = max(0, (day - regimen.started_on).days) / 7
            pain = baseline_pain - (min(weeks, 8) * 0.4 if responder and on_ldn else 0)
            effects = {}
            roll = rng.random()
            if on_ldn and roll < 0.06:
                kind = rng.choice(SIDE_EFFECTS)
                effects[kind] = 1 if roll < 0.045 else 2
            entries.append(
                DiaryEntry(
                    patient=patient,
                    local_date=day,
                    pain=_clamp(pain + rng.gauss(0, 1)),
                    fatigue=_clamp(5 + rng.gauss(0, 1.5)),
                    sleep_quality=_clamp(6 + rng.gauss(0, 1.5)),
                    mood=_clamp(6 + rng.gauss(0, 1.5)),
                    entered_by=patient.user,
                    created_at=datetime.combine(day, time(20), tzinfo=UTC),
                    updated_at=datetime.combine(day, time(20), tzinfo=UTC),
                    **(dict.fromkeys(SIDE_EFFECTS, 0) | effects),
                )
            )
            if on_ldn and current_dose is not None:
                logs.append(
                    DoseLog(
                        regimen=regimen,
                        on=day,
                        status=DoseLog.Status.MISSED
                        if rng.random() < 0.03
                        else DoseLog.Status.TAKEN,
                        dose_mg=current_dose,
                        recorded_by=patient.user,
                        recorded_at=datetime.combine(day, time(22), tzinfo=UTC),
                    )
                )
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
        if len(entries) >= 20 * BATCH:
            DiaryEntry.objects.bulk_create(entries, batch_size=BATCH)
            DoseLog.objects.bulk_create(logs, batch_size=BATCH)
            entries, logs = [], []
    TitrationStep.objects.bulk_create(steps, batch_size=BATCH)
    DiaryEntry.objects.bulk_create(entries, batch_size=BATCH)
    DoseLog.objects.bulk_create(logs, batch_size=BATCH)
    Flag.objects.bulk_create(flags, batch_size=BATCH)
    # The rows above bypass the services, so each patient's status is worked out once here,
    # as the services would have kept it.
    for patient in Patient.objects.filter(pk__in=[p.pk for p in people]).select_related("user"):
        status_refresh_patient(patient=patient, now=now)
    return World(provider=provider, patients=people)


FIRST = ("Ada", "Ben", "Cleo", "Dev", "Esme", "Finn", "Gita", "Hal", "Ines", "Jon", "Kemi", "Luca")
LAST = ("Abbot", "Baker", "Chen", "Diaz", "Evans", "Fox", "Garcia", "Hughes", "Iqbal", "Jones")
