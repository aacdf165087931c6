from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def attachment_storage():
    return storages["messages"]


class Topic(models.TextChoices):
    DOSE = "dose", _("My dose")
    SIDE_EFFECT = "side_effect", _("A side effect")
    MEDICATIONS = "medications", _("My medications or pharmacy")
    CHECKIN = "checkin", _("A check-in")
    OTHER = "other", _("Something else")


class Conversation(models.Model):
    """A thread between a patient and their care team. The columns after `created_at` are
    kept by the services as messages come and go, so the inbox reads one row per thread."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="conversations"
    )
    subject = models.CharField(_("subject"), max_length=150)
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    # Where the question started ("tonight", "diary", "trends", "checkin", "article") and
    # what the page showed, written when the conversation began.
    context_kind = models.CharField(max_length=16, blank=True)
    context_label = models.CharField(max_length=200, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    last_patient_message_at = models.DateTimeField(null=True, blank=True)
    last_team_message_at = models.DateTimeField(null=True, blank=True)
    # Since when the patient has waited for the care team's answer (null: nothing waits).
    waiting_since = models.DateTimeField(null=True, blank=True)
    urgent = models.BooleanField(default=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    history = HistoricalRecords(
        excluded_fields=["last_message_at", "last_patient_message_at", "last_team_message_at"]
    )

    class Meta:
        verbose_name = _("conversation")
        indexes = [
            models.Index(fields=["patient", "-last_message_at"], name="conversation_patient"),
            models.Index(fields=["-last_message_at", "-id"], name="conversation_activity"),
            models.Index(
                fields=["waiting_since"],
                name="conversation_waiting",
                condition=Q(waiting_since__isnull=False, closed_at__isnull=True),
            ),
            models.Index(fields=["assigned_to", "-last_message_at"], name="conversation_assigned"),
        ]

    def __str__(self):
        return f"Conversation {self.pk} of patient {self.patient_id}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Message(models.Model):
    """One message, never edited; a withdrawn one stays in the history, marked withdrawn."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, related_name="messages"
    )
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_patient = models.BooleanField()
    body = models.TextField()
    sent_at = models.DateTimeField()
    urgent = models.BooleanField(default=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("message")
        indexes = [models.Index(fields=["conversation", "-sent_at", "-id"], name="message_thread")]

    def __str__(self):
        return f"Message {self.pk} in conversation {self.conversation_id}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class Attachment(models.Model):
    """A file of a message, checked by its content and stored through the "messages"
    storage; served only by the access-checked download view."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(storage=attachment_storage, upload_to="messages/%Y/%m/")
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("attachment")

    def __str__(self):
        return f"Attachment {self.pk} of message {self.message_id}"


class ReadMark(models.Model):
    """When one participant last read a conversation."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="read_marks"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation"], name="read_mark_once")
        ]

    def __str__(self):
        return f"User {self.user_id} read conversation {self.conversation_id} at {self.read_at}"
