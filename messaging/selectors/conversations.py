"""Reads of messaging, scoped to the viewer.

A conversation is visible to its patient, to the providers on the patient's care team
while they are on it (patients.selectors.records.visible_patients), and to a caregiver acting
for the patient (`caring_for`, the patient of the switcher) while their open grant includes
messages; to nobody else, admins included. Anything else answers 404. Opening a
conversation writes the access event. Read marks are each reader's own: a caregiver reading
leaves the patient's unread conversations unread.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Paginator
from django.db.models import Count, F, FilteredRelation, Min, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from messaging.models import Attachment, Conversation, Message
from messaging.rules import wait_label
from patients.models import CaregiverGrant, CareTeamMembership, Patient
from patients.selectors.records import visible_patients
from portal.accounts.models import Role
from portal.audit.models import AccessEvent
from portal.audit.services import access_record

INBOX_PAGE_SIZE = 25
RECORD_PANEL_ROWS = 10
THREAD_PAGE_SIZE = 30
FILTERS = ("open", "unread", "waiting", "mine", "closed")


def visible_conversations(viewer, *, caring_for: Patient | None = None) -> QuerySet[Conversation]:
    """The conversations the viewer may read; for a caregiver, those of `caring_for` while
    their open grant for that patient includes messages (none without a patient)."""
    if not viewer.is_authenticated or not viewer.is_active:
        return Conversation.objects.none()
    if viewer.role == Role.PATIENT:
        return Conversation.objects.filter(patient__user=viewer)
    if viewer.role == Role.PROVIDER:
        return Conversation.objects.filter(patient__in=visible_patients(viewer))
    if viewer.role == Role.CAREGIVER and caring_for is not None:
        granted = CaregiverGrant.objects.filter(
            caregiver=viewer, patient=caring_for, ended_at__isnull=True, can_message=True
        ).values("patient_id")
        return Conversation.objects.filter(patient=caring_for, patient_id__in=granted)
    return Conversation.objects.none()


def _patient_side(viewer) -> bool:
    return viewer.role in (Role.PATIENT, Role.CAREGIVER)


def _other_side_last(viewer) -> str:
    return "last_team_message_at" if _patient_side(viewer) else "last_patient_message_at"


def with_read_state(conversations: QuerySet[Conversation], viewer) -> QuerySet[Conversation]:
    """The conversations with `my_read_at`: when the viewer last read each (one join)."""
    return conversations.annotate(
        mine=FilteredRelation("read_marks", condition=Q(read_marks__user=viewer)),
        my_read_at=F("mine__read_at"),
    )


def _unread_q(viewer) -> Q:
    last = _other_side_last(viewer)
    return Q(**{f"{last}__isnull": False}) & (
        Q(my_read_at__isnull=True) | Q(my_read_at__lt=F(last))
    )


def unread_count(*, viewer, caring_for: Patient | None = None) -> int:
    """Conversations with a message from the other side the viewer has not read (for a
    caregiver: of the patient they act for, by their own read marks)."""
    if viewer.role not in (Role.PATIENT, Role.PROVIDER, Role.CAREGIVER):
        return 0
    if viewer.role == Role.CAREGIVER and caring_for is None:
        return 0
    return (
        with_read_state(visible_conversations(viewer, caring_for=caring_for), viewer)
        .filter(_unread_q(viewer), closed_at__isnull=True)
        .count()
    )


@dataclass
class InboxRow:
    conversation: Conversation
    unread: bool

    @property
    def waiting_for(self) -> str:
        since = self.conversation.waiting_since
        if since is None or self.conversation.is_closed:
            return ""
        return wait_label((timezone.now() - since).total_seconds())


def inbox_page(
    *,
    viewer,
    status: str = "open",
    page=1,
    patient: Patient | None = None,
    caring_for: Patient | None = None,
):
    """One page of the viewer's conversations, newest activity first ("waiting": the longest
    waiting first), in a fixed number of queries at any size."""
    conversations = with_read_state(
        visible_conversations(viewer, caring_for=caring_for), viewer
    ).select_related("patient__user", "assigned_to")
    if patient is not None:
        conversations = conversations.filter(patient=patient)
    order = ("-last_message_at", "-id")
    if status == "closed":
        conversations = conversations.filter(closed_at__isnull=False)
    elif status == "unread":
        conversations = conversations.filter(_unread_q(viewer), closed_at__isnull=True)
    elif status == "waiting":
        conversations = conversations.filter(waiting_since__isnull=False, closed_at__isnull=True)
        order = ("waiting_since", "id")
    elif status == "mine":
        conversations = conversations.filter(assigned_to=viewer, closed_at__isnull=True)
    elif status == "open":
        conversations = conversations.filter(closed_at__isnull=True)
    result = Paginator(conversations.order_by(*order), INBOX_PAGE_SIZE).get_page(page)
    return result, _rows(result.object_list, viewer)


def _rows(conversations, viewer) -> list[InboxRow]:
    """Each conversation (read by with_read_state) with whether the viewer has read it."""
    last = _other_side_last(viewer)
    return [
        InboxRow(
            conversation=c,
            unread=getattr(c, last) is not None
            and (c.my_read_at is None or c.my_read_at < getattr(c, last)),
        )
        for c in conversations
    ]


def conversation_for(
    viewer, pk, *, path: str = "", caring_for: Patient | None = None
) -> Conversation:
    """The conversation `pk` if the viewer may read it (404 otherwise), with the access
    event written when the viewer is not the patient."""
    try:
        conversation = (
            visible_conversations(viewer, caring_for=caring_for)
            .select_related("patient__user", "assigned_to", "closed_by")
            .get(pk=pk)
        )
    except (Conversation.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    access_record(
        actor=viewer,
        patient=conversation.patient,
        action=AccessEvent.Action.VIEW_MESSAGES,
        path=path,
    )
    return conversation


def thread_page(*, conversation: Conversation, page=1):
    """One page of the conversation's messages (the newest page first), each with its
    sender and attachments, oldest first within the page."""
    messages = (
        Message.objects.filter(conversation=conversation)
        .select_related("sender")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("-sent_at", "-id")
    )
    result = Paginator(messages, THREAD_PAGE_SIZE).get_page(page)
    return result, list(reversed(result.object_list))


def message_for(viewer, pk, *, conversation: Conversation) -> Message:
    try:
        return Message.objects.get(pk=pk, conversation=conversation)
    except (Message.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def attachment_for(viewer, pk, *, conversation: Conversation) -> Attachment:
    try:
        return Attachment.objects.select_related("message").get(
            pk=pk, message__conversation=conversation
        )
    except (Attachment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def care_team_of(conversation: Conversation) -> list:
    return [
        m.provider
        for m in CareTeamMembership.objects.filter(
            patient_id=conversation.patient_id, until__isnull=True, provider__is_active=True
        )
        .select_related("provider")
        .order_by("provider__name", "provider__email")
    ]


# Waiting for the care team's reply ------------------------------------------------------


@dataclass
class Waiting:
    count: int
    oldest: datetime | None

    @property
    def waiting_for(self) -> str:
        if self.oldest is None:
            return ""
        return wait_label((timezone.now() - self.oldest).total_seconds())


def _waiting(conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
    return conversations.filter(waiting_since__isnull=False, closed_at__isnull=True)


def waiting_for_team(*, provider) -> Waiting:
    """How many of the care team's conversations wait for a reply, and since when."""
    found = _waiting(visible_conversations(provider)).aggregate(
        count=Count("id"), oldest=Min("waiting_since")
    )
    return Waiting(count=found["count"], oldest=found["oldest"])


def waiting_by_patient(*, provider, patient_ids) -> dict[int, Waiting]:
    """For the triage page's patients: each one's oldest message waiting for a reply."""
    rows = (
        _waiting(visible_conversations(provider).filter(patient_id__in=list(patient_ids)))
        .values("patient_id")
        .annotate(oldest=Min("waiting_since"))
    )
    return {r["patient_id"]: Waiting(count=1, oldest=r["oldest"]) for r in rows}


def waiting_for_patient(*, patient: Patient) -> list[Conversation]:
    """The patient's own conversations still waiting for the care team's reply."""
    return list(
        _waiting(Conversation.objects.filter(patient=patient)).order_by("waiting_since")[:5]
    )


def record_panel(*, patient, viewer) -> dict | None:
    """The patient record's "Messages" panel (registered with patients.record_panels): the
    newest RECORD_PANEL_ROWS conversations, closed ones too, and how many there are in all,
    counted only when there are more than it shows."""
    conversations = (
        with_read_state(visible_conversations(viewer).filter(patient=patient), viewer)
        .select_related("patient__user", "assigned_to")
        .order_by("-last_message_at", "-id")
    )
    found = list(conversations[: RECORD_PANEL_ROWS + 1])
    count = len(found) if len(found) <= RECORD_PANEL_ROWS else conversations.count()
    return {
        "template": "messaging/partials/record_panel.html",
        "patient": patient,
        "rows": _rows(found[:RECORD_PANEL_ROWS], viewer),
        "count": count,
    }
