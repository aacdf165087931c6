"""The provider's titration queue: the care team's patients with an active regimen that
needs a decision, with the engine's recommendation, in a fixed number of queries."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from patients.models import Patient
from patients.selectors.records import visible_patients
from regimens import titration
from regimens.models import Regimen
from regimens.selectors.engine import (
    engine_inputs_for,
    recommendation_for,
    side_effect_counts,
    side_effects_by_regimen,
)
from regimens.selectors.regimens import describe


@dataclass(frozen=True)
class QueueItem:
    regimen: Regimen
    recommendation: titration.Recommendation
    why: tuple[str, ...]  # codes: step_back, hold_requested, side_effects, switch_time, due
    due_on: date | None  # the next planned step's date

    @property
    def patient(self) -> Patient:
        return self.regimen.patient

    @property
    def current_dose(self) -> str:
        step = self.regimen.current_step
        return describe(self.regimen, step.dose_mg) if step else ""


_QUEUE_ORDER = ("step_back", "hold_requested", "side_effects", "switch_time", "due")


def with_engine_inputs(queryset: QuerySet[Regimen]) -> QuerySet[Regimen]:
    """Regimens with the rows engine_inputs_for reads through relations, in a fixed number
    of queries (side effects come from side_effects_by_regimen)."""
    return queryset.select_related("protocol", "patient__user").prefetch_related("steps")


def engine_review(
    regimen: Regimen, today: date, *, effects=None
) -> tuple[titration.Recommendation | None, QueueItem | None]:
    """The engine's recommendation for the regimen and, when a decision waits, its titration
    queue item, from one gathering of the engine's inputs. (None, None) when the regimen is
    not active or has no current step."""
    if not regimen.is_active:
        return None, None
    inputs = engine_inputs_for(regimen, today, effects=effects)
    if inputs is None:
        return None, None
    recommendation = recommendation_for(regimen, today, inputs=inputs)
    upcoming = regimen.next_step
    why = []
    if recommendation.action == titration.Action.STEP_BACK:
        why.append("step_back")
    if regimen.hold_requested_at is not None:
        why.append("hold_requested")
    if any(e.severity >= titration.MODERATE for e in side_effect_counts(inputs, today)):
        why.append("side_effects")
    if recommendation.action == titration.Action.SWITCH_TO_MORNING:
        why.append("switch_time")
    if upcoming is not None and upcoming.planned_on <= today:
        why.append("due")
    if not why:
        return recommendation, None
    item = QueueItem(
        regimen=regimen,
        recommendation=recommendation,
        why=tuple(why),
        due_on=upcoming.planned_on if upcoming else None,
    )
    return recommendation, item


def queue_item_for(regimen: Regimen, today: date) -> QueueItem | None:
    """The regimen's place in the titration queue, or None when no decision waits."""
    return engine_review(regimen, today)[1]


def queue_rank(item: QueueItem) -> int:
    """The most pressing reason's place in the queue order (0 first)."""
    return min(_QUEUE_ORDER.index(code) for code in item.why)


def titration_queue(*, provider, today: date) -> list[QueueItem]:
    """The provider's care-team patients with an active regimen that needs a decision: the
    next step is due (its date has come), the engine recommends a step back or morning
    dosing, a moderate or worse side effect holds it, or the patient asked to hold. Most
    pressing first, then by due date. A fixed number of queries at any size."""
    regimens = list(
        with_engine_inputs(
            Regimen.objects.filter(
                status=Regimen.Status.ACTIVE, patient__in=visible_patients(provider)
            )
        )
    )
    effects = side_effects_by_regimen(regimens, today)
    queue = [
        item
        for regimen in regimens
        if (item := engine_review(regimen, today, effects=effects.get(regimen.pk, []))[1])
    ]
    queue.sort(key=lambda item: (queue_rank(item), item.due_on or date.max, item.patient.name))
    return queue
