"""Writes of messaging: keyword-only `<noun>_<verb>` functions, one transaction each.

Conversations and messages keep their full history (django-simple-history). A message is
never edited; withdrawing one marks it withdrawn and keeps it. Every new message notifies
the other side (portal.notifications, kind "message"): ids only in the outbox row, and the
notice says only that there is a new message. A caregiver whose open grant includes messages
writes on the patient's side, as themselves (the message's sender).
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messaging.models import Attachment, Conversation, Message, ReadMark, Topic
from messaging.rules import may_withdraw, safety_words_in
from messaging.services.attachments import CleanFile
from patients.models import CaregiverGrant, CareTeamMembership, Patient
from portal.accounts.models import Role
from portal.notifications.models import Kind
from portal.notifications.services import notify_now

NO_BODY = gettext_lazy("Write a message.")
BODY_TOO_LONG = gettext_lazy("Keep a message under %(n)s characters (this one has %(count)s).")


def is_urgent(body: str) -> bool:
    return bool(safety_words_in(body, settings.MESSAGES["SAFETY_WORDS"]))


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": NO_BODY}, code="required")
    limit = settings.MESSAGES["MAX_LENGTH"]
    if len(body) > limit:
        raise ValidationError(
            {"body": BODY_TOO_LONG % {"n": f"{limit:,}", "count": f"{len(body):,}"}},
            code="too_long",
        )
    return body


def _team(patient: Patient) -> list:
    return [
        m.provider
        for m in CareTeamMembership.objects.filter(
            patient=patient, until__isnull=True, provider__is_active=True
        ).select_related("provider")
    ]


def _may_write(conversation: Conversation, sender) -> None:
    """The sender is the patient, a caregiver whose open grant for the patient includes
    messages, or a provider on their care team (views resolve this first; the service
    refuses anyone else too)."""
    if sender.role == Role.PATIENT and conversation.patient.user_id == sender.pk:
        return
    if (
        sender.role == Role.CAREGIVER
        and CaregiverGrant.objects.filter(
            patient_id=conversation.patient_id,
            caregiver=sender,
            ended_at__isnull=True,
            can_message=True,
        ).exists()
    ):
        return
    if (
        sender.role == Role.PROVIDER
        and CareTeamMembership.objects.filter(
            patient_id=conversation.patient_id, provider=sender, until__isnull=True
        ).exists()
    ):
        return
    raise ValidationError(_("Only the patient, their caregivers and their care team write here."))


def _add_message(
    *, conversation: Conversation, sender, body: str, files: list[CleanFile], now: datetime
) -> Message:
    from_patient = sender.role in (Role.PATIENT, Role.CAREGIVER)
    message = Message.objects.create(
        conversation=conversation,
        sender=sender,
        from_patient=from_patient,
        body=body,
        sent_at=now,
        urgent=from_patient and is_urgent(body),
    )
    for clean in files:
        attachment = Attachment(
            message=message, name=clean.name, content_type=clean.content_type, size=len(clean.data)
        )
        attachment.file.save(clean.name, ContentFile(clean.data), save=False)
        attachment.save()

    conversation.last_message_at = now
    if from_patient:
        conversation.last_patient_message_at = now
        conversation.waiting_since = conversation.waiting_since or now
        conversation.urgent = conversation.urgent or message.urgent
    else:
        conversation.last_team_message_at = now
        conversation.waiting_since = None
    conversation.save()
    _mark_read(conversation=conversation, user=sender, now=now)
    recipients = _team(conversation.patient) if from_patient else [conversation.patient.user]
    for recipient in recipients:
        notify_now(
            recipient=recipient,
            kind=Kind.MESSAGE,
            key=f"message:{message.pk}:{recipient.pk}",
            context={"message": message.pk},
            now=now,
        )
    return message


@transaction.atomic
def conversation_start(
    *,
    patient: Patient,
    started_by,
    subject: str,
    topic: str,
    body: str,
    files: list[CleanFile] = (),
    context_kind: str = "",
    context_label: str = "",
    now: datetime | None = None,
) -> Conversation:
    """A new conversation between the patient and their care team, with its first message."""
    now = now or timezone.now()
    errors = {}
    subject = (subject or "").strip()
    if not subject:
        errors["subject"] = _("Give the conversation a subject.")
    if topic not in Topic.values:
        errors["topic"] = _("Choose a topic.")
    try:
        body = _check_body(body)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    conversation = Conversation(
        patient=patient,
        subject=subject[:150],
        topic=topic,
        context_kind=context_kind,
        context_label=context_label[:200],
        started_by=started_by,
        created_at=now,
        last_message_at=now,
    )
    _may_write(conversation, started_by)
    conversation.save()
    _add_message(conversation=conversation, sender=started_by, body=body, files=files, now=now)
    return conversation


@transaction.atomic
def message_send(
    *, conversation: Conversation, sender, body: str, files: list[CleanFile] = (), now=None
) -> Message:
    """A reply in an open conversation."""
    now = now or timezone.now()
    conversation = (
        Conversation.objects.select_for_update()
        .select_related("patient__user")
        .get(pk=conversation.pk)
    )
    if conversation.is_closed:
        raise ValidationError(
            {"body": _("This conversation is closed. Reopen it or start a new one.")},
            code="closed",
        )
    body = _check_body(body)
    _may_write(conversation, sender)
    return _add_message(conversation=conversation, sender=sender, body=body, files=files, now=now)


@transaction.atomic
def message_withdraw(*, message: Message, by, now: datetime | None = None) -> Message:
    """The sender withdraws their message within the withdrawal window; it stays in the
    history, marked withdrawn, and its notices are no longer sent."""
    now = now or timezone.now()
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.sender_id != by.pk:
        raise ValidationError(_("Only the sender can withdraw a message."))
    if message.is_withdrawn:
        return message
    minutes = settings.MESSAGES["WITHDRAW_MINUTES"]
    if not may_withdraw(sent_at=message.sent_at, now=now, minutes=minutes):
        raise ValidationError(
            _("A message can be withdrawn only in the first %(n)d minutes.") % {"n": minutes}
        )
    message.withdrawn_at = now
    message.save(update_fields=["withdrawn_at"])
    conversation = Conversation.objects.select_for_update().get(pk=message.conversation_id)
    if message.from_patient and conversation.waiting_since is not None:
        # Waiting since the patient's first message still standing after the team's last.
        standing = conversation.messages.filter(from_patient=True, withdrawn_at__isnull=True)
        if conversation.last_team_message_at is not None:
            standing = standing.filter(sent_at__gt=conversation.last_team_message_at)
        standing = standing.order_by("sent_at").values_list("sent_at", flat=True).first()
        conversation.waiting_since = standing
        conversation.urgent = conversation.messages.filter(
            urgent=True, withdrawn_at__isnull=True
        ).exists()
        conversation.save(update_fields=["waiting_since", "urgent"])
    return message


def _mark_read(*, conversation: Conversation, user, now: datetime) -> None:
    ReadMark.objects.update_or_create(
        conversation=conversation, user=user, defaults={"read_at": now}
    )


@transaction.atomic
def conversation_mark_read(*, conversation: Conversation, user, now: datetime | None = None):
    _mark_read(conversation=conversation, user=user, now=now or timezone.now())


@transaction.atomic
def conversation_assign(*, conversation: Conversation, to, by) -> Conversation:
    """Give the conversation to a provider on the patient's care team (or to nobody)."""
    if (
        to is not None
        and not CareTeamMembership.objects.filter(
            patient_id=conversation.patient_id, provider=to, until__isnull=True
        ).exists()
    ):
        raise ValidationError({"assigned_to": _("Choose someone on the patient's care team.")})
    conversation.assigned_to = to
    conversation._change_reason = f"assigned by user {by.pk}"
    conversation.save(update_fields=["assigned_to"])
    return conversation


@transaction.atomic
def conversation_close(*, conversation: Conversation, by, now: datetime | None = None):
    if conversation.is_closed:
        return conversation
    conversation.closed_at = now or timezone.now()
    conversation.closed_by = by
    conversation.save(update_fields=["closed_at", "closed_by"])
    return conversation


@transaction.atomic
def conversation_reopen(*, conversation: Conversation, by) -> Conversation:
    if not conversation.is_closed:
        return conversation
    conversation.closed_at = None
    conversation.closed_by = None
    conversation._change_reason = f"reopened by user {by.pk}"
    conversation.save(update_fields=["closed_at", "closed_by"])
    return conversation
