"""The provider's titration queue: the care team's patients with a decision waiting, most
pressing first, one page at a time. It reads the patients' status rows (kept current by the
services that change them: regimens.services.status), so a page costs the same for a team of
100 or 10,000: one indexed query for the page, one for its regimens."""

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.db.models import QuerySet

from patients.models import Patient, PatientStatus
from patients.selectors.records import visible_patients
from patients.selectors.triage import page_slice
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


@dataclass
class QueueItem:
    status: PatientStatus
    regimen: Regimen
    html: str = ""  # the row rendered (portal.lib.fragments), set by the page

    @property
    def patient(self) -> Patient:
        return self.status.patient

    @property
    def why(self) -> tuple[str, ...]:
        return tuple(code for code in self.status.queue_why.split(",") if code)

    @property
    def due_on(self) -> date | None:
        return self.status.due_on

    @cached_property  # the row reads it four times
    def recommendation(self) -> titration.Recommendation | None:
        return recommendation_of(self.status)

    @cached_property
    def current_dose(self) -> str:
        step = self.regimen.current_step
        return describe(self.regimen, step.dose_mg) if step else ""

    def shows(self) -> tuple:
        """Everything templates/regimens/partials/titration_queue_row.html reads of the item:
        the key its rendering is kept under (portal.lib.fragments)."""
        patient = self.status.patient
        return (self.status, patient, patient.user, self.regimen, self.current_dose)


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


@dataclass
class QueuePage:
    """One page of the queue, without a count of the whole queue."""

    object_list: list[QueueItem]
    number: int
    has_next: bool

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.number > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def page_number(value) -> int:
    """The page asked for in a query string; 1 when missing or not a positive number."""
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def titration_queue(*, provider, page=1, show: str = "all") -> QueuePage:
    """One page of the titration queue (QueueItems), reading no more status rows than the
    page shows (page_slice: no COUNT of the whole queue)."""
    number = page_number(page)
    rows = queue_statuses(provider=provider, show=show).select_related("patient__user")
    statuses, has_next = page_slice(rows, number=number, size=QUEUE_PAGE_SIZE)
    regimens = (
        Regimen.objects.select_related("protocol")
        .prefetch_related("steps")
        .in_bulk([s.regimen_id for s in statuses if s.regimen_id])
    )
    items = [
        QueueItem(status=s, regimen=regimens[s.regimen_id])
        for s in statuses
        if s.regimen_id in regimens
    ]
    return QueuePage(object_list=items, number=number, has_next=has_next)


def titration_count(*, provider) -> int:
    return queue_statuses(provider=provider).count()
