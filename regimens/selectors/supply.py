"""Reads of a patient's supply: the fills, how long they last, the fill that cannot make a
planned step, the open refill request and what a refill needs. The caller resolves the
patient for the viewer first (patients.selectors.records: own_patient, or patient_for, which
writes the access event); a refill request of another patient answers 404.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from patients.models import CheckIn, Medication, Patient
from patients.selectors.checkins import REMINDED
from patients.selectors.records import visible_patients
from portal.lib.timing import local_date
from regimens import supply
from regimens.models import (
    DoseLog,
    PausePlan,
    RefillRequest,
    Regimen,
    RegimenEvent,
    SupplyFill,
    TitrationStep,
)
from regimens.selectors.opioids import opioid_statuses_between
from regimens.selectors.regimens import current_regimen

# [design] How far ahead the run-out day is looked for (docs/clinical-rules.md §8.3).
HORIZON_DAYS = 366


@dataclass(frozen=True)
class Refill:
    """What a refill needs: from the day the supply runs out (or today) to the next check-in
    (or SUPPLY_REFILL_DAYS), in one strength; `quantity` is None when none in hand makes
    every dose."""

    first: date
    until: date
    checkin: CheckIn | None
    form: str
    strength_mg: Decimal | None
    quantity: Decimal | None

    @property
    def label(self) -> str:
        if self.quantity is None or self.strength_mg is None:
            return ""
        return supply.unit_label(self.form, self.strength_mg, self.quantity)


@dataclass(frozen=True)
class Supply:
    patient: Patient
    regimen: Regimen | None
    today: date
    fills: list[SupplyFill]  # newest first
    forecast: supply.Forecast
    problems: list[supply.StrengthProblem]
    open_request: RefillRequest | None
    refill: Refill | None

    @property
    def runs_out_on(self) -> date | None:
        return self.forecast.runs_out_on

    @property
    def paused(self) -> bool:
        return self.regimen is not None and self.regimen.status == Regimen.Status.PAUSED

    @property
    def soon(self) -> bool:
        """Within SUPPLY_REMINDER_DAYS of running out: time to ask for a refill."""
        days = self.forecast.days_left
        return days is not None and days <= settings.LDN["SUPPLY_REMINDER_DAYS"]

    @property
    def cannot_measure(self) -> bool:
        return self.forecast.why == supply.CANNOT_MEASURE


@dataclass(frozen=True)
class Read:
    """What the caller has already read of the patient: the open regimen with its protocol
    and steps (current_regimen), the medications (all, or those that block LDN) and the
    approved pause plans, soonest first. Handed to supply_for, nothing reads them again."""

    regimen: Regimen | None
    medications: list[Medication]
    approved: list[PausePlan]


def _opioid_reads(read: Read | None) -> dict:
    if read is None:
        return {}
    return {"approved": read.approved, "medications": read.medications}


def _plan_steps(regimen: Regimen | None, today: date) -> list[tuple[date, Decimal]]:
    """The regimen's steps as (first day, dose). A planned step whose day has come waits for
    the care team's decision: it is counted from tomorrow, the earliest it can begin."""
    if regimen is None:
        return []
    steps = []
    for step in sorted(regimen.steps.all(), key=lambda s: s.sequence):
        on = step.starts_on
        if step.status == TitrationStep.Status.PLANNED:
            on = max(on, today + timedelta(days=1))
        steps.append((on, step.dose_mg))
    return steps


def supply_doses(
    *,
    patient: Patient,
    regimen: Regimen | None,
    today: date,
    first: date,
    last: date,
    approved: list[PausePlan] | None = None,
    medications: list[Medication] | None = None,
) -> dict[date, Decimal]:
    """The dose of each day from `first` to `last` (supply.daily_doses): the dose log and
    the doses in effect before today, the plan from today, and no dose on a day without LDN
    (an opioid, its washout, an approved pause) or while the regimen was or is paused.
    `approved` pause plans and `medications`: when the caller has read them already."""
    logged = {
        row.on: (row.dose_mg if row.status == DoseLog.Status.TAKEN else None)
        for row in DoseLog.objects.filter(regimen__patient=patient, on__gte=first, on__lte=today)
    }
    no_ldn = {
        day
        for day, status in opioid_statuses_between(
            patient=patient,
            first=max(first, today - timedelta(days=HORIZON_DAYS)),
            last=last,
            approved=approved,
            medications=medications,
        ).items()
        if not status.is_clear
    }
    if first < today:
        no_ldn |= _days_without_regimen(regimen, first, today)
    paused_from = None
    if regimen is None or regimen.status == Regimen.Status.PAUSED:
        paused_from = today
    return supply.daily_doses(
        steps=_plan_steps(regimen, today),
        logged=logged,
        no_ldn=no_ldn,
        today=today,
        first=first,
        last=last,
        paused_from=paused_from,
    )


def _days_without_regimen(regimen: Regimen | None, first: date, today: date) -> set[date]:
    """Days from `first` to yesterday with no dose of the current regimen: before it began
    and while it was paused (its plan history's pause and resume)."""
    began = regimen.started_on if regimen is not None else today
    days = set()
    day = first
    while day < min(began, today):
        days.add(day)
        day += timedelta(days=1)
    if regimen is None:
        return days
    since = None
    events = RegimenEvent.objects.filter(
        regimen=regimen, kind__in=(RegimenEvent.Kind.PAUSED, RegimenEvent.Kind.RESUMED)
    ).order_by("at", "pk")
    for event in events:
        if event.kind == RegimenEvent.Kind.PAUSED and since is None:
            since = event.effective_on
        elif event.kind == RegimenEvent.Kind.RESUMED and since is not None:
            day = max(since, first)
            while day < min(event.effective_on, today):
                days.add(day)
                day += timedelta(days=1)
            since = None
    if since is not None:
        day = max(since, first)
        while day < today:
            days.add(day)
            day += timedelta(days=1)
    return days


def _next_checkin(patient: Patient, now: datetime) -> CheckIn | None:
    return (
        CheckIn.objects.filter(patient=patient, status__in=REMINDED, starts_at__gte=now)
        .order_by("starts_at")
        .first()
    )


def _refill(
    *,
    patient: Patient,
    regimen: Regimen,
    forecast: supply.Forecast,
    fills: list[SupplyFill],
    doses: dict[date, Decimal],
    counted_to: date,
    today: date,
    last: date,
    now: datetime,
    read: Read | None,
) -> Refill:
    """`doses` are the days' doses counted up to `counted_to`; a refill is counted to `last`
    at most."""
    first = max(forecast.runs_out_on or today, today)
    checkin = _next_checkin(patient, now)
    until = first + timedelta(days=settings.LDN["SUPPLY_REFILL_DAYS"] - 1)
    if checkin is not None and local_date(checkin.starts_at, patient.user.timezone) > first:
        until = local_date(checkin.starts_at, patient.user.timezone)
    else:
        checkin = None
    until = min(until, last)
    if until > counted_to:
        doses = doses | supply_doses(
            patient=patient,
            regimen=regimen,
            today=today,
            first=max(first, counted_to + timedelta(days=1)),
            last=until,
            **_opioid_reads(read),
        )
    # The strength of the latest fill, else each the regimen was started with.
    candidates = [(fills[0].form, fills[0].strength_mg)] if fills else []
    formulation = regimen.formulation()
    candidates += {
        supply.CAPSULE: [(supply.CAPSULE, s) for s in formulation.capsule_strengths_mg],
        supply.LIQUID: [(supply.LIQUID, formulation.concentration_mg_per_ml)],
        supply.DROPS: [(supply.DROPS, formulation.mg_per_drop)],
    }[regimen.form]
    for form, strength in candidates:
        quantity = supply.quantity_needed(
            doses=doses, first=first, last=until, form=form, strength_mg=strength
        )
        if quantity is not None:
            return Refill(first, until, checkin, form, strength, quantity)
    return Refill(first, until, checkin, regimen.form, None, None)


def supply_for(
    *, patient: Patient, today: date, now: datetime | None = None, read: Read | None = None
) -> Supply:
    """The patient's supply as of `today` (their local date): fills, run-out, the steps the
    latest fill cannot make, the open refill request and what a refill needs. `read`: the
    regimen, medications and pause plans when the caller has read them already."""
    now = now or timezone.now()
    regimen = read.regimen if read is not None else current_regimen(patient=patient)
    fills = list(SupplyFill.objects.filter(patient=patient).select_related("entered_by"))
    last = today + timedelta(days=HORIZON_DAYS)
    refill_last = last + timedelta(days=max(settings.LDN["SUPPLY_REFILL_DAYS"], HORIZON_DAYS))
    plain = [f.as_fill() for f in reversed(fills)]  # in the order received and recorded
    doses, counted_to = {}, today - timedelta(days=1)
    if plain:  # the days' doses from the first fill; the refill counts on from them
        first = min(f.on for f in plain)
        doses = supply_doses(
            patient=patient,
            regimen=regimen,
            today=today,
            first=first,
            last=last,
            **_opioid_reads(read),
        )
        counted_to = last
    forecast = supply.forecast(fills=plain, doses=doses, today=today, last=last)
    problems = supply.strength_problems(
        fills=plain, steps=_plan_steps(regimen, today) if regimen else [], today=today
    )
    if regimen is None or regimen.status == Regimen.Status.PAUSED:
        problems = []
    refill = None
    if regimen is not None:
        refill = _refill(
            patient=patient,
            regimen=regimen,
            forecast=forecast,
            fills=fills,
            doses=doses,
            counted_to=counted_to,
            today=today,
            last=refill_last,
            now=now,
            read=read,
        )
    return Supply(
        patient=patient,
        regimen=regimen,
        today=today,
        fills=fills,
        forecast=forecast,
        problems=problems,
        open_request=open_refill_request(patient=patient),
        refill=refill,
    )


def open_refill_request(*, patient: Patient) -> RefillRequest | None:
    return (
        RefillRequest.objects.filter(patient=patient, status=RefillRequest.Status.OPEN)
        .select_related("requested_by")
        .first()
    )


def refill_requests_of(*, patient: Patient, limit: int = 10) -> list[RefillRequest]:
    return list(
        RefillRequest.objects.filter(patient=patient).select_related("requested_by", "handled_by")[
            :limit
        ]
    )


def refill_request_for(viewer, pk, *, patient: Patient) -> RefillRequest:
    """One of `patient`'s refill requests, for a viewer who may see the patient; 404
    otherwise."""
    try:
        return RefillRequest.objects.get(
            pk=pk, patient=patient, patient__in=visible_patients(viewer)
        )
    except (RefillRequest.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
