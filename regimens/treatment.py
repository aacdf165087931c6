"""What the patient record learns of the LDN treatment (the interface patients.treatment
declares): the dose each day, the dose log, the regimen's first day and last step up, the
diary's dose question and the data of the record page's treatment cards. Registered when the
portal starts (regimens.apps)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from patients.models import Patient
from patients.treatment import DoseDay, DoseQuestion, DoseStep, RegimenStarts, TreatmentFacts
from portal.accounts.models import Role
from regimens.models import DoseLog, Regimen, RegimenEvent, TitrationStep
from regimens.selectors.record import RecordTreatment, record_treatment
from regimens.services.reports import dose_log_mark


def _caregiver_name(role: str, name: str, email: str) -> str:
    """The name of whoever logged a dose when that was a caregiver ("" otherwise)."""
    return (name or email) if role == Role.CAREGIVER else ""


def _dose_by_day(patient: Patient, first: date, last: date) -> dict[date, Decimal]:
    """The dose in effect each day, from the steps that began (TitrationStep), for the days
    a regimen was taken: nothing before it began, while it was paused (its pause and resume
    events) or from the day it stopped."""
    regimens = list(
        Regimen.objects.filter(patient=patient, started_on__lte=last).prefetch_related(
            Prefetch(
                "steps",
                queryset=TitrationStep.objects.filter(started_on__isnull=False).order_by(
                    "started_on", "sequence"
                ),
            ),
            Prefetch(
                "events",
                queryset=RegimenEvent.objects.filter(
                    kind__in=(RegimenEvent.Kind.PAUSED, RegimenEvent.Kind.RESUMED)
                ).order_by("at", "pk"),
            ),
        )
    )
    doses = {}
    for regimen in regimens:
        steps = list(regimen.steps.all())
        paused = _paused_days(regimen, last)
        end = regimen.ended_on - timedelta(days=1) if regimen.ended_on else last
        day = max(first, regimen.started_on)
        index, current = 0, None
        while day <= min(end, last):
            while index < len(steps) and steps[index].started_on <= day:
                current = steps[index]
                index += 1
            if current is not None and not any(a <= day < b for a, b in paused):
                doses[day] = current.dose_mg
            day += timedelta(days=1)
    return doses


def _paused_days(regimen: Regimen, last: date) -> list[tuple[date, date]]:
    """[from, until) intervals the regimen was paused, from its plan history."""
    intervals, since = [], None
    for event in regimen.events.all():
        if event.kind == RegimenEvent.Kind.PAUSED and since is None:
            since = event.effective_on
        elif event.kind == RegimenEvent.Kind.RESUMED and since is not None:
            intervals.append((since, event.effective_on))
            since = None
    if since is not None:
        intervals.append((since, last + timedelta(days=1)))
    return intervals


def step_up_of(regimen: Regimen | None, today: date) -> date | None:
    """The first day of the current dose when it was a step up (the regimen's first dose
    counts: it goes up from nothing)."""
    if regimen is None:
        return None
    steps = sorted(
        (s for s in regimen.steps.all() if s.started_on and s.started_on <= today),
        key=lambda s: s.sequence,
    )
    current = next((s for s in steps if s.status == TitrationStep.Status.CURRENT), None)
    if current is None:
        return None
    earlier = [s for s in steps if s.sequence < current.sequence]
    if not earlier or current.dose_mg > earlier[-1].dose_mg:
        return current.started_on
    return None


def _active(patient: Patient) -> Regimen | None:
    return (
        Regimen.objects.filter(patient=patient, status=Regimen.Status.ACTIVE)
        .prefetch_related("steps")
        .first()
    )


class RegimenTreatment:
    """patients.treatment.Treatment, from the regimens, their steps and the dose log."""

    def facts(self, *, patient: Patient, today: date, missed_since: date) -> TreatmentFacts:
        active = _active(patient)
        latest = self.regimen_starts(patient=patient, today=today).latest
        # Missed doses of any regimen: a pause right after them does not hide them.
        missed = DoseLog.objects.filter(
            regimen__patient=patient,
            status=DoseLog.Status.MISSED,
            on__gte=missed_since,
            on__lte=today,
        ).values_list("on", flat=True)
        return TreatmentFacts(
            regimen_started_on=active.started_on if active else None,
            latest_started_on=latest,
            step_up_on=step_up_of(active, today),
            missed_dose_days=tuple(sorted(missed)),
        )

    def regimen_starts(self, *, patient: Patient, today: date) -> RegimenStarts:
        # A patient has a few regimens: all of them in one read, chosen here.
        rows = list(
            Regimen.objects.filter(patient=patient).values_list("status", "started_on", "pk")
        )
        begun = [(started_on, pk) for _status, started_on, pk in rows if started_on <= today]
        return RegimenStarts(
            active=next((s for status, s, _pk in rows if status == Regimen.Status.ACTIVE), None),
            latest=max(begun)[0] if begun else None,
        )

    def dose_days(self, *, patient: Patient, first: date, last: date) -> dict[date, DoseDay]:
        doses = _dose_by_day(patient, first, last)
        logged = {
            day: (status, _caregiver_name(role, name, email))
            for day, status, role, name, email in DoseLog.objects.filter(
                regimen__patient=patient, on__gte=first, on__lte=last
            )
            .order_by("on", "regimen__started_on")
            .values_list(
                "on", "status", "recorded_by__role", "recorded_by__name", "recorded_by__email"
            )
        }
        return {
            day: DoseDay(
                dose_mg=doses.get(day),
                logged=logged.get(day, ("", ""))[0],
                logged_by_caregiver=logged.get(day, ("", ""))[1],
            )
            for day in sorted(doses.keys() | logged.keys())
        }

    def logged_doses(self, *, patient: Patient) -> dict[date, DoseDay]:
        rows = (
            DoseLog.objects.filter(regimen__patient=patient)
            .order_by("on", "regimen__started_on")
            .values_list(
                "on",
                "status",
                "dose_mg",
                "recorded_by__role",
                "recorded_by__name",
                "recorded_by__email",
            )
        )
        return {
            day: DoseDay(
                dose_mg=dose, logged=status, logged_by_caregiver=_caregiver_name(role, name, email)
            )
            for day, status, dose, role, name, email in rows
        }

    def dose_steps(self, *, patient: Patient, first: date, last: date) -> list[DoseStep]:
        steps: list[DoseStep] = []
        for day, dose in sorted(_dose_by_day(patient, first, last).items()):
            held = steps[-1] if steps else None
            if held and held.dose_mg == dose and held.last == day - timedelta(days=1):
                steps[-1] = DoseStep(first=held.first, last=day, dose_mg=dose)
            else:
                steps.append(DoseStep(first=day, last=day, dose_mg=dose))
        return steps

    def dose_question(self, *, patient: Patient, day: date) -> DoseQuestion | None:
        regimen = _active(patient)
        current = regimen.current_step if regimen else None
        if current is None or current.started_on > day:
            return None
        log = DoseLog.objects.filter(regimen=regimen, on=day).values_list("status", flat=True)
        return DoseQuestion(logged=next(iter(log), ""))

    def dose_record(
        self, *, patient: Patient, day: date, status: str, recorded_by, now: datetime
    ) -> None:
        # dose_log_mark reads the regimen again, locked, with its steps.
        regimen = Regimen.objects.filter(patient=patient, status=Regimen.Status.ACTIVE).first()
        if regimen is None:
            raise ValidationError(_("Doses are logged only while the regimen is active."))
        dose_log_mark(
            regimen=regimen,
            on=day,
            status=status,
            recorded_by=recorded_by,
            now=now,
            evaluate_flags=False,
        )

    def for_record(self, *, patient: Patient, today: date, medications) -> RecordTreatment:
        return record_treatment(patient=patient, today=today, medications=medications)
