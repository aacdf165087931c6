"""The provider's triage queue: their care team's patients with an open flag or a titration
decision waiting, by the most serious open flag, then the titration queue's order, then the
earliest due step and the name. One page at a time, from the patients' status rows (kept
current by the services that change them), so a page costs the same for any team size: the
page's rows by an index, then their patients and open flags."""

from dataclasses import dataclass

from patients.models import Flag, PatientStatus
from patients.selectors.records import visible_patients

TRIAGE_PAGE_SIZE = 20


@dataclass
class TriageRow:
    status: PatientStatus  # with .patient.user
    flags: list[Flag]  # with .acknowledged_by
    waiting: object = None  # messaging's Waiting for this patient, set by the page
    html: str = ""  # the row rendered (portal.lib.fragments), set by the page

    @property
    def patient(self):
        return self.status.patient

    @property
    def why(self) -> tuple[str, ...]:
        return tuple(code for code in self.status.queue_why.split(",") if code)

    @property
    def flag_ids(self) -> list[int]:
        return [flag.pk for flag in self.flags]

    def shows(self) -> tuple:
        """Everything templates/patients/review/triage_row.html reads of the row: the key its
        rendering is kept under (portal.lib.fragments)."""
        patient = self.status.patient
        return (
            self.status,
            patient,
            patient.user,
            [(flag, str(flag.acknowledged_by or "")) for flag in self.flags],
            self.waiting.waiting_for if self.waiting else "",
        )


@dataclass
class TriagePage:
    rows: list[TriageRow]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def triage_statuses(*, provider):
    """The care team's status rows that need attention, in triage order (served by the
    index status_triage_order)."""
    return PatientStatus.objects.filter(
        patient__in=visible_patients(provider), needs_attention=True
    ).order_by("-top_severity", "queue_rank", "due_on", "sort_name", "patient")


def page_slice(rows, *, number, size: int) -> tuple[list, bool]:
    """One page of an ordered queryset and whether another follows, read as one query of
    size + 1 rows: no count of the whole list (a COUNT reads every row of the team)."""
    found = list(rows[(number - 1) * size : number * size + 1])
    return found[:size], len(found) > size


def triage_queue(*, provider, page=1) -> TriagePage:
    """One page of the triage queue in a fixed number of queries at any team size, each
    reading no more rows than the page shows (the page's rows by an index, then their open
    flags)."""
    number = max(1, page)
    rows = triage_statuses(provider=provider).select_related("patient__user")
    statuses, has_next = page_slice(rows, number=number, size=TRIAGE_PAGE_SIZE)
    flags: dict[int, list[Flag]] = {}
    for flag in (
        Flag.objects.filter(patient__in=[s.patient_id for s in statuses], resolved_at__isnull=True)
        .select_related("acknowledged_by")
        .order_by("-severity", "-raised_at")
    ):
        flags.setdefault(flag.patient_id, []).append(flag)
    return TriagePage(
        rows=[TriageRow(status=s, flags=flags.get(s.patient_id, [])) for s in statuses],
        number=number,
        has_next=has_next,
    )
