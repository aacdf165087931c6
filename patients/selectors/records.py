"""Who may read which patient's record, and the record as the viewer may see it.

Anything a viewer may not see answers 404, never 403: a record's existence is not told to
someone who may not read it. Reading one patient's record as someone other than the patient
goes through `patient_for`, which writes the access event itself (with the purpose), so no
view can forget it.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.db.models import (
    Count,
    F,
    Max,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import RowNumber, TruncDate
from django.http import Http404
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from patients.models import CareTeamMembership, Flag, Medication, Patient
from portal.accounts.models import Role
from portal.audit.models import AccessEvent
from portal.audit.services import access_record

Purpose = AccessEvent.Action


def visible_patients(viewer) -> QuerySet[Patient]:
    """The patients whose records this viewer may read."""
    if not viewer.is_authenticated or not viewer.is_active:
        return Patient.objects.none()
    if viewer.role == Role.PATIENT:
        return Patient.objects.filter(user=viewer)
    if viewer.role == Role.PROVIDER:
        on_team = CareTeamMembership.objects.filter(provider=viewer, until__isnull=True).values(
            "patient_id"
        )
        return Patient.objects.filter(pk__in=on_team)
    return Patient.objects.none()


def patient_for(viewer, pk, *, purpose: str, path: str = "", via: str = "") -> Patient:
    """The patient `pk` if `viewer` may read their record (404 otherwise), with an access
    event written for `purpose` (an AccessEvent.Action) when the viewer is not the patient,
    or when the record is read through a connected app (`via`, its name)."""
    try:
        patient = visible_patients(viewer).select_related("user").get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    access_record(actor=viewer, patient=patient, action=purpose, path=path, via=via)
    return patient


def own_patient(viewer) -> Patient:
    """The patient profile of a patient viewer (read once per request: the onboarding
    middleware has usually loaded it through `viewer.patient` already)."""
    try:
        return viewer.patient
    except (Patient.DoesNotExist, AttributeError):
        raise Http404 from None


def is_on_care_team(*, provider, patient: Patient) -> bool:
    return CareTeamMembership.objects.filter(
        provider=provider, patient=patient, until__isnull=True
    ).exists()


def patients_for_provider(*, provider, search: str = "") -> QuerySet[Patient]:
    """The provider's care-team patients, most serious open flag first, then by name, with
    their open flags counted: read from their status rows (kept current by the services
    that change them) in the order of the index status_list_order, so a page reads its own
    rows rather than aggregating every flag of the team."""
    patients = (
        visible_patients(provider)
        .filter(status__isnull=False)  # every patient has one; an inner join uses the index
        .select_related("user", "status")
        .annotate(
            open_flags=F("status__open_flags"),
            top_severity=F("status__top_severity"),
        )
        .prefetch_related("conditions")
    )
    search = search.strip()
    if search:
        patients = patients.filter(
            Q(user__name__icontains=search)
            | Q(user__email__icontains=search)
            | Q(conditions__name__icontains=search)
        ).distinct()
    return patients.order_by("-status__top_severity", "status__sort_name", "pk")


def with_record(patient: Patient) -> Patient:
    """The patient (read already, with their account, by whoever resolved who may see it)
    with what the record and profile pages show, in a fixed number of queries."""
    prefetch_related_objects(
        [patient],
        "conditions",
        Prefetch("medications", queryset=Medication.objects.order_by("stopped_on", "name")),
        Prefetch(
            "flags",
            queryset=Flag.objects.filter(resolved_at__isnull=True),
            to_attr="open_flag_list",
        ),
        Prefetch(
            "memberships",
            queryset=CareTeamMembership.objects.filter(until__isnull=True).select_related(
                "provider"
            ),
            to_attr="care_team",
        ),
    )
    return patient


def medication_for(viewer, pk, *, patient: Patient) -> Medication:
    """One of `patient`'s medications (the patient already resolved for `viewer`); 404 for
    anyone else's."""
    try:
        return (
            Medication.objects.select_related("patient__user")
            .filter(patient__in=visible_patients(viewer))
            .get(pk=pk, patient=patient)
        )
    except (Medication.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def flag_for(viewer, pk, *, patient: Patient) -> Flag:
    try:
        return (
            Flag.objects.select_related("patient")
            .filter(patient__in=visible_patients(viewer))
            .get(pk=pk, patient=patient)
        )
    except (Flag.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


# Who viewed my record --------------------------------------------------------------------


# What each kind of access looked at, inside "... looked at your diary and trends".
ACCESS_NOUNS = {
    Purpose.VIEW_RECORD: gettext_lazy("record"),
    Purpose.VIEW_DIARY: gettext_lazy("diary"),
    Purpose.VIEW_TRENDS: gettext_lazy("trends"),
    Purpose.EXPORT_DIARY: gettext_lazy("diary download"),
    Purpose.VIEW_REGIMEN: gettext_lazy("regimen"),
    Purpose.VIEW_MEDICATIONS: gettext_lazy("medications"),
    Purpose.VIEW_CHECKINS: gettext_lazy("check-ins"),
    Purpose.REVIEW: gettext_lazy("review"),
    Purpose.VIEW_MESSAGES: gettext_lazy("messages"),
}


@dataclass
class AccessVisit:
    """Everything one person looked at in the patient's record on one day (the patient's
    local date): "Dr Priya Shah viewed your diary and trends, 26 Nov, 3 times"."""

    actor_id: int
    actor_name: str
    actor_role: str
    day: date
    count: int
    last_at: datetime
    actions: list[str] = field(default_factory=list)  # AccessEvent.Action values, in order
    # Its newest times (ACCESS_VISIT_TIMES) on the log, oldest first; a page of them on the
    # visit's own page.
    events: list[AccessEvent] = field(default_factory=list)

    @property
    def role_label(self) -> str:
        return str(Role(self.actor_role).label) if self.actor_role in Role.values else ""

    @property
    def what(self) -> str:
        """ "diary and trends"."""
        nouns = [str(ACCESS_NOUNS.get(action, action)) for action in self.actions]
        return str(get_text_list(nouns, _("and")))

    @property
    def times(self) -> str:
        return ngettext("once", "%(count)d times", self.count) % {"count": self.count}

    @property
    def earlier(self) -> int:
        """How many of its times the log leaves to the visit's own page."""
        return self.count - len(self.events)


ACCESS_LOG_PAGE_SIZE = 30
# A connected app can read a record hundreds of times a day: the log lists each visit's
# newest times, and the visit's own page all of them, a page at a time.
ACCESS_VISIT_TIMES = 20
ACCESS_VISIT_PAGE_SIZE = 100


def _events_on(patient: Patient, zone: ZoneInfo, actors, first: date, last: date):
    """The patient's access events by `actors` from local day `first` to `last` in `zone`,
    each with its local `day`. The instants a day (a UTC day either side: no zone is a day
    away) narrow the read to the index on the patient and the time."""
    return (
        AccessEvent.objects.filter(
            patient=patient,
            actor__in=actors,
            at__gte=datetime.combine(first - timedelta(days=1), time.min, tzinfo=UTC),
            at__lt=datetime.combine(last + timedelta(days=2), time.min, tzinfo=UTC),
        )
        .annotate(day=TruncDate("at", tzinfo=zone))
        .filter(day__gte=first, day__lte=last)
    )


def _visits(groups) -> dict[tuple[int, date], AccessVisit]:
    return {
        (g["actor"], g["day"]): AccessVisit(
            actor_id=g["actor"],
            actor_name=g["actor__name"] or g["actor__email"],
            actor_role=g["actor_role"],
            day=g["day"],
            count=g["count"],
            last_at=g["last_at"],
        )
        for g in groups
    }


def _add_actions(visits: dict, events) -> None:
    """Each visit's kinds of access, in the order it first came."""
    kinds = events.values("actor", "day", "action").annotate(first_at=Min("at"))
    for row in kinds.order_by("first_at", "action"):
        visit = visits.get((row["actor"], row["day"]))
        if visit is not None:
            visit.actions.append(row["action"])


def _grouped(events):
    return events.values("actor", "actor__name", "actor__email", "actor_role", "day").annotate(
        count=Count("pk"), last_at=Max("at")
    )


def access_visits(*, patient: Patient, page: str | int | None = None):
    """One page of the patient's access log, grouped by person and day, newest first, with
    each visit's kinds of access and its newest times (the detail, one click away)."""
    zone = ZoneInfo(patient.user.timezone)
    groups = _grouped(
        AccessEvent.objects.filter(patient=patient).annotate(day=TruncDate("at", tzinfo=zone))
    ).order_by("-last_at", "actor")
    groups_page = Paginator(groups, ACCESS_LOG_PAGE_SIZE).get_page(page)
    visits = _visits(groups_page)
    if visits:
        days = [day for _actor, day in visits]
        events = _events_on(patient, zone, {a for a, _d in visits}, min(days), max(days))
        _add_actions(visits, events)
        newest = events.annotate(
            newest=Window(
                RowNumber(),
                partition_by=[F("actor"), F("day")],
                order_by=[F("at").desc(), F("pk").desc()],
            )
        ).filter(newest__lte=ACCESS_VISIT_TIMES)
        for event in newest.order_by("at", "pk"):
            visit = visits.get((event.actor_id, event.day))
            if visit is not None:
                visit.events.append(event)
    return groups_page, list(visits.values())


def access_visit(*, patient: Patient, actor: int, day: date, page: str | int | None = None):
    """Every time one person opened the patient's record on one local day, oldest first, a
    page at a time (the log's "see every time" link); 404 when they did not that day."""
    zone = ZoneInfo(patient.user.timezone)
    try:
        events = _events_on(patient, zone, [actor], day, day)
        visits = _visits(_grouped(events).order_by())
    except OverflowError:  # a day at the calendar's edge, an id no row can have
        raise Http404 from None
    if not visits:
        raise Http404
    (visit,) = visits.values()
    _add_actions(visits, events)
    times = Paginator(events.order_by("at", "pk"), ACCESS_VISIT_PAGE_SIZE).get_page(page)
    visit.events = list(times)
    return times, visit
