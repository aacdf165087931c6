"""The provider's triage queue: their care team's patients with an open flag or a titration
decision waiting, by the most serious open flag, then the titration queue's order, then the
earliest due step and the name. One page at a time, from the patients' status rows (kept
current by the services that change them), so a page costs the same for any team size: the
page's rows by an index, then their patients and open flags."""

from dataclasses import dataclass

from django.core.paginator import Paginator

from patients.models import Flag, PatientStatus
from patients.selectors.records import visible_patients

TRIAGE_PAGE_SIZE = 20


@dataclass
class TriageRow:
    status: PatientStatus  # with .patient.user
    flags: list[Flag]

    @property
    def patient(self):
        return self.status.patient

    @property
    def why(self) -> tuple[str, ...]:
        return tuple(code for code in self.status.queue_why.split(",") if code)

    @property
    def flag_ids(self) -> list[int]:
        return [flag.pk for flag in self.flags]


@dataclass
class TriagePage:
    rows: list[TriageRow]
    number: int
    has_next: bool
    count: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def triage_statuses(*, provider):
    """The care team's status rows that need attention, in triage order (served by the
    index status_triage_order)."""
    return PatientStatus.objects.filter(
        patient__in=visible_patients(provider), needs_attention=True
    ).order_by("-top_severity", "queue_rank", "due_on", "sort_name", "patient")


def triage_queue(*, provider, page=1) -> TriagePage:
    """One page of the triage queue in a fixed number of queries at any team size."""
    rows = triage_statuses(provider=provider).select_related("patient__user")
    result = Paginator(rows, TRIAGE_PAGE_SIZE).get_page(page)
    statuses = list(result.object_list)
    flags: dict[int, list[Flag]] = {}
    for flag in Flag.objects.filter(
        patient__in=[s.patient_id for s in statuses], resolved_at__isnull=True
    ).order_by("-severity", "-raised_at"):
        flags.setdefault(flag.patient_id, []).append(flag)
    return TriagePage(
        rows=[TriageRow(status=s, flags=flags.get(s.patient_id, [])) for s in statuses],
        number=result.number,
        has_next=result.has_next(),
        count=result.paginator.count,
    )
