"""Reads of regimens, scoped to the viewer: a patient's regimens, the plan history, Tonight,
and the private calendar feed.

A regimen the viewer may not see answers 404, like the patient record it belongs to: the
caller resolves the patient first (patients.selectors.records.patient_for, which writes the
access event).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404

from patients.models import Medication, Patient
from patients.selectors.records import visible_patients
from portal.lib.formats import dose
from regimens import opioids, safety, titration
from regimens.models import (
    CalendarFeed,
    CheckInRule,
    DoseLog,
    PausePlan,
    Protocol,
    Regimen,
    RegimenEvent,
    TitrationStep,
)
from regimens.selectors.opioids import (
    approved_pauses,
    blocking_medications,
    opioid_status_and_next_change,
)

DOSE_LOG_DAYS = 14


def _steps(regimen: Regimen) -> list[TitrationStep]:
    return sorted(regimen.steps.all(), key=lambda step: step.sequence)


def _with_steps(queryset: QuerySet[Regimen]) -> QuerySet[Regimen]:
    return queryset.select_related("protocol", "patient__user").prefetch_related("steps")


def current_regimen(*, patient: Patient) -> Regimen | None:
    """The patient's active or paused regimen, with its protocol and steps; None if none."""
    return _with_steps(Regimen.objects.filter(patient=patient, status__in=Regimen.OPEN)).first()


def regimen_for(viewer, *, patient: Patient, pk) -> Regimen:
    """One of `patient`'s regimens, for a viewer who may see the patient; 404 otherwise."""
    try:
        return (
            _with_steps(Regimen.objects.filter(patient__in=visible_patients(viewer)))
            .prefetch_related("side_effects__entered_by")
            .get(pk=pk, patient=patient)
        )
    except (Regimen.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def regimens_of(*, patient: Patient) -> QuerySet[Regimen]:
    """All of a patient's regimens, newest first."""
    return Regimen.objects.filter(patient=patient).select_related("protocol")


def plan_history(*, regimen: Regimen) -> QuerySet[RegimenEvent]:
    return RegimenEvent.objects.filter(regimen=regimen).select_related("actor")


def recent_dose_logs(*, regimen: Regimen, today: date, days: int = DOSE_LOG_DAYS):
    return DoseLog.objects.filter(regimen=regimen, on__gt=today - timedelta(days=days))


def startable_protocols() -> QuerySet[Protocol]:
    """The protocols a provider may start a regimen from: current versions only."""
    return Protocol.objects.filter(retired_at__isnull=True).order_by("name")


def describe(regimen: Regimen, dose_mg: Decimal) -> str:
    """ "3 mg: 3.0 mL of your 1 mg/mL liquid"; the bare dose when it cannot be measured."""
    try:
        return safety.describe_dose(dose_mg, regimen.formulation())
    except ValueError:
        return dose(dose_mg)


@dataclass(frozen=True)
class Tonight:
    regimen: Regimen
    today: date
    step: TitrationStep | None
    dose_line: str  # "3 mg: 3.0 mL of your 1 mg/mL liquid"
    next_step: TitrationStep | None
    next_line: str
    steps: list[TitrationStep]
    log: DoseLog | None  # with .recorded_by
    opioid: opioids.Status  # the patient's opioid status today
    # What the opioid status was read from (the medications that block LDN and the approved
    # pauses, soonest first): the page hands them on to the supply, which needs them too.
    medications: list[Medication] = field(default_factory=list)
    approved: list[PausePlan] = field(default_factory=list)

    @property
    def paused(self) -> bool:
        return self.regimen.status == Regimen.Status.PAUSED

    @property
    def morning(self) -> bool:
        return self.regimen.dose_time == titration.MORNING

    @property
    def no_ldn(self) -> bool:
        """Nothing may tell the patient to take LDN today: an opioid, its washout, or an
        approved pause."""
        return not self.opioid.is_clear

    @property
    def last_dose_tonight(self) -> bool:
        return self.regimen.is_active and self.opioid.last_dose_tonight(self.today)

    @property
    def awaiting_restart(self) -> bool:
        """Paused for an opioid or an operation, and nothing stands in the way any more: the
        care team confirms the restart."""
        return self.paused and self.regimen.paused_for_opioid and self.opioid.is_clear

    @property
    def take_tonight(self) -> bool:
        """Tonight's dose is to be taken: an active regimen that has begun, status clear."""
        return self.regimen.is_active and not self.starts_later and self.opioid.is_clear

    @property
    def starts_later(self) -> bool:
        return self.step is not None and self.step.started_on > self.today

    @property
    def awaiting_decision(self) -> bool:
        """The next step's date has come; the care team decides before it applies."""
        return self.next_step is not None and self.next_step.planned_on <= self.today

    @property
    def can_log(self) -> bool:
        """A dose can be recorded (one taken when it should not have been raises the care
        team's flag)."""
        return self.regimen.is_open and self.step is not None and not self.starts_later

    @property
    def hold_requested(self) -> bool:
        return self.regimen.hold_requested_at is not None


def tonight_for(*, patient: Patient, today: date) -> Tonight | None:
    """What the patient takes today in their own formulation, what comes next, the plan so
    far and today's dose log; None when no regimen is active or paused."""
    regimen = current_regimen(patient=patient)
    if regimen is None:
        return None
    steps = _steps(regimen)
    step = regimen.current_step
    upcoming = regimen.next_step
    medications = blocking_medications(patient=patient)
    approved = approved_pauses(patient=patient)
    opioid, _next_change = opioid_status_and_next_change(
        patient=patient, today=today, approved=approved, medications=medications
    )
    return Tonight(
        regimen=regimen,
        today=today,
        step=step,
        dose_line=describe(regimen, step.dose_mg) if step else "",
        next_step=upcoming,
        next_line=describe(regimen, upcoming.dose_mg) if upcoming else "",
        steps=steps,
        log=DoseLog.objects.filter(regimen=regimen, on=today).select_related("recorded_by").first(),
        opioid=opioid,
        medications=medications,
        approved=approved,
    )


def calendar_feed_for(*, patient: Patient) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).first()


def calendar_feed_by_token(token: str) -> CalendarFeed:
    """The live feed with this token, or 404 (unknown, revoked, or the account is closed)."""
    feed = (
        CalendarFeed.objects.filter(
            token=token, revoked_at__isnull=True, patient__user__is_active=True
        )
        .select_related("patient__user")
        .first()
    )
    if feed is None or len(token) < 32:
        raise Http404
    return feed


def upcoming_steps(*, patient: Patient, since: date) -> list[tuple[Regimen, TitrationStep]]:
    """Steps of the patient's open regimen starting on or after `since`."""
    regimen = current_regimen(patient=patient)
    if regimen is None or not regimen.is_active:
        return []
    return [(regimen, s) for s in _steps(regimen) if s.starts_on >= since]


def checkin_rule_of(*, regimen: Regimen) -> CheckInRule | None:
    """The regimen's standing check-in rule, if it has one (the regimen already resolved)."""
    return CheckInRule.objects.filter(regimen=regimen).first()
