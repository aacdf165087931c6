"""The provider's titration queue: the care team's patients with a decision waiting, most
pressing first, one page at a time. It reads the patients' status rows (kept current by the
services that change them: regimens.services.status), so a page costs the same for a team of
100 or 10,000: one indexed query for the page, one for its regimens."""

from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from patients.models import Patient, PatientStatus
from patients.selectors.records import visible_patients
from regimens import titration
from regimens.models import Regimen
from regimens.selectors.engine import NOTHING_WAITS
from regimens.selectors.regimens import describe

QUEUE_PAGE_SIZE = 25
# The filters of the queue page: name -> the reason code it shows (None: every reason).
FILTERS = {
    "all": None,
    "opioids": "opioid",
    "plans": "plan",
    "restart": "restart",
    "side_effects": "side_effects",
    "hold": "hold_requested",
    "due": "due",
}


def recommendation_of(status: PatientStatus) -> titration.Recommendation | None:
    """The engine's recommendation as the status row keeps it."""
    if not status.recommendation:
        return None
    return titration.Recommendation(
        action=titration.Action(status.recommendation),
        dose_mg=status.recommended_mg,
        reasons=tuple(status.recommendation_reasons),
        review_on=None,
    )


@dataclass(frozen=True)
class QueueItem:
    status: PatientStatus
    regimen: Regimen

    @property
    def patient(self) -> Patient:
        return self.status.patient

    @property
    def why(self) -> tuple[str, ...]:
        return tuple(code for code in self.status.queue_why.split(",") if code)

    @property
    def due_on(self) -> date | None:
        return self.status.due_on

    @property
    def recommendation(self) -> titration.Recommendation | None:
        return recommendation_of(self.status)

    @property
    def current_dose(self) -> str:
        step = self.regimen.current_step
        return describe(self.regimen, step.dose_mg) if step else ""


def queue_statuses(*, provider, show: str = "all") -> QuerySet[PatientStatus]:
    """The care team's status rows with a decision waiting, in the queue's order (served by
    the index status_queue_order)."""
    rows = PatientStatus.objects.filter(
        patient__in=visible_patients(provider), queue_rank__lt=NOTHING_WAITS
    )
    code = FILTERS.get(show)
    if code:
        rows = rows.filter(queue_why__contains=code)
    return rows.order_by("queue_rank", "due_on", "sort_name", "patient")


def titration_queue(*, provider, page=1, show: str = "all") -> Page:
    """One page of the titration queue; its object_list holds QueueItems."""
    rows = queue_statuses(provider=provider, show=show).select_related("patient__user")
    result = Paginator(rows, QUEUE_PAGE_SIZE).get_page(page)
    statuses = list(result.object_list)
    regimens = (
        Regimen.objects.select_related("protocol")
        .prefetch_related("steps")
        .in_bulk([s.regimen_id for s in statuses if s.regimen_id])
    )
    result.object_list = [
        QueueItem(status=s, regimen=regimens[s.regimen_id])
        for s in statuses
        if s.regimen_id in regimens
    ]
    return result


def titration_count(*, provider) -> int:
    return queue_statuses(provider=provider).count()
