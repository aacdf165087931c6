"""The status row of each patient (patients.models.PatientStatus) is what every list, Tonight
and reminder reads. Random histories of what patients and providers do, with days passing,
must leave it equal to a recomputation from the records after every write, and after the
beat task's refresh whenever days pass (regimens.services.status.statuses_check, the same
comparison the check_status command makes over a whole database)."""

import contextlib
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients.models import Flag, Medication, PatientStatus
from patients.services.checkins import checkin_book, checkin_complete, checkins_flag_overdue
from patients.services.diary import diary_entry_save
from patients.services.flags import flag_review, flags_evaluate_all
from patients.services.medications import medication_add, medication_stop
from patients.services.profile import care_team_add
from patients.services.side_effects import side_effect_report
from portal.lib.timing import local_today
from regimens.models import Regimen
from regimens.selectors.regimens import current_regimen
from regimens.services import decisions
from regimens.services.plans import plan_approve, plan_cancel, plan_propose
from regimens.services.reports import dose_log_mark
from regimens.services.start import regimen_start
from regimens.services.status import (
    status_differences,
    statuses_check,
    statuses_refresh_due,
)
from tests.factories import PatientUserFactory, ProviderFactory
from tests.regimens.conftest import CAPSULES, protocol

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York

# One step of a history: (what, a number that picks the details).
ACTIONS = (
    "diary",
    "side_effect",
    "dose_taken",
    "dose_missed",
    "opioid_add",
    "opioid_stop",
    "decide",
    "review_flags",
    "plan",
    "plan_cancel",
    "checkin",
    "days_pass",
)
steps = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.integers(min_value=0, max_value=20)),
    min_size=1,
    max_size=12,
)


class World:
    def __init__(self, clock):
        self.clock = clock
        self.provider = ProviderFactory()
        self.user = PatientUserFactory()
        self.patient = self.user.patient
        care_team_add(patient=self.patient, provider=self.provider, added_by=self.provider)
        today = local_today(self.patient)
        regimen_start(
            patient=self.patient,
            protocol=protocol("clinic-1-5-mg-fortnightly"),
            formulation=CAPSULES,
            dose_time="bedtime",
            start_on=today - timedelta(days=10),
            started_by=self.provider,
            today=today,
        )

    @property
    def today(self):
        return local_today(self.patient)

    def regimen(self):
        return current_regimen(patient=self.patient)

    def do(self, action, n):
        """Carry out one step; a refusal (ValidationError) is part of life and changes
        nothing, which the check after it also proves."""
        regimen, today = self.regimen(), self.today
        with contextlib.suppress(ValidationError):
            getattr(self, action)(n, regimen, today)

    def diary(self, n, regimen, today):
        day = today - timedelta(days=n % 3)
        values = {"pain": n % 11, "fatigue": (n * 3) % 11, "headache": n % 4}
        diary_entry_save(
            patient=self.patient, day=day, entered_by=self.user, today=today, values=values
        )

    def side_effect(self, n, regimen, today):
        if regimen is not None:
            side_effect_report(
                regimen=regimen,
                on=today,
                kind=("insomnia", "headache", "nausea", "vivid_dreams")[n % 4],
                severity=1 + n % 3,
                entered_by=self.user,
            )

    def dose_taken(self, n, regimen, today):
        self._dose(regimen, today - timedelta(days=n % 3), "taken")

    def dose_missed(self, n, regimen, today):
        self._dose(regimen, today - timedelta(days=n % 3), "missed")

    def _dose(self, regimen, day, status):
        if regimen is not None:
            dose_log_mark(regimen=regimen, on=day, status=status, recorded_by=self.user)

    def opioid_add(self, n, regimen, today):
        name = ("Percocet 5/325", "tramadol 50 mg", "methadone 10 mg", "codeine 30 mg")[n % 4]
        medication_add(
            patient=self.patient,
            name=name,
            added_by=self.user,
            started_on=today - timedelta(days=n % 5),
        )

    def opioid_stop(self, n, regimen, today):
        taken = Medication.objects.filter(
            patient=self.patient, screening="block", stopped_on__isnull=True
        ).first()
        if taken is not None:
            stopped = max(today - timedelta(days=n % 4), taken.started_on or today)
            medication_stop(medication=taken, stopped_on=stopped)

    def decide(self, n, regimen, today):
        if regimen is None:
            return
        dose = regimen.current_step.dose_mg
        kind = n % 5
        if kind == 0:
            decisions.regimen_hold(
                regimen=regimen,
                decided_by=self.provider,
                reason="side_effects",
                until=today + timedelta(days=7),
                today=today,
            )
        elif kind == 1:
            decisions.regimen_pause(
                regimen=regimen, decided_by=self.provider, reason="opioid_needed", today=today
            )
        elif kind == 2:
            decisions.regimen_resume(
                regimen=regimen,
                dose_mg=dose,
                decided_by=self.provider,
                reason="opioid_needed",
                today=today,
            )
        elif kind == 3:
            decisions.regimen_advance(
                regimen=regimen,
                dose_mg=dose * 2,
                decided_by=self.provider,
                reason="tolerating_well",
                today=today,
            )
        else:
            decisions.regimen_step_back(
                regimen=regimen,
                dose_mg=dose - Decimal("1.5"),
                decided_by=self.provider,
                reason="side_effects",
                today=today,
            )

    def review_flags(self, n, regimen, today):
        for flag in Flag.objects.filter(patient=self.patient, resolved_at__isnull=True):
            flag_review(flag=flag, reviewed_by=self.provider, note="seen")

    def plan(self, n, regimen, today):
        plan = plan_propose(
            patient=self.patient,
            created_by=self.user,
            kind="procedure",
            today=today,
            procedure_on=today + timedelta(days=1 + n % 10),
        )
        if n % 2 == 0:
            plan_approve(plan=plan, decided_by=self.provider, today=today)

    def plan_cancel(self, n, regimen, today):
        plan = self.patient.pause_plans.filter(status__in=("proposed", "approved")).first()
        if plan is not None:
            plan_cancel(plan=plan, cancelled_by=self.user)

    def checkin(self, n, regimen, today):
        checkin = checkin_book(
            patient=self.patient,
            provider=self.provider,
            starts_at=timezone.now() + timedelta(hours=2 + 5 * n),
            kind="phone",
            booked_by=self.provider,
        )
        if n % 2:
            checkin_complete(
                checkin=checkin, notes="", pgic_score=1 + n % 7, completed_by=self.provider
            )

    def days_pass(self, n, regimen, today):
        """Time passes and the beat's tasks run, as they would: overdue check-ins, the
        hourly flag sweep, the status rows whose next change has come."""
        self.clock.shift(timedelta(days=1 + n % 12))
        checkins_flag_overdue()
        flags_evaluate_all()
        statuses_refresh_due()


@pytest.mark.django_db
@settings(
    max_examples=int(os.environ.get("LDN_STATUS_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=steps)
def test_the_status_row_equals_a_recomputation_after_every_write(history):
    with transaction.atomic(), time_machine.travel(START, tick=False) as clock:
        world = World(clock)
        assert statuses_check(patients=[world.patient]) == []
        for action, n in history:
            world.do(action, n)
            assert status_differences(patient=world.patient) == {}, (action, n)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_command_finds_a_row_that_went_stale_and_fixes_it(db, capsys):
    with time_machine.travel(START, tick=False):
        World.__init__(world := World.__new__(World), clock=None)
        call_command("check_status")
        assert "every status row is current" in capsys.readouterr().out

        # A change written behind the services' back leaves the row stale.
        Medication.objects.create(
            patient=world.patient,
            name="oxycodone",
            screening="block",
            washout_days=10,
            added_by=world.user,
        )
        with pytest.raises(CommandError) as stale:
            call_command("check_status")
        assert f"patients {world.patient.pk}" in str(stale.value)

        call_command("check_status", "--fix")
        assert PatientStatus.objects.get(patient=world.patient).opioid_state == "active"
        call_command("check_status")
    assert Regimen.objects.filter(patient=world.patient).exists()
