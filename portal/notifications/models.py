from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    DOSE = "dose", _("Tonight's dose")
    STEP = "step", _("Titration step")
    DIARY = "diary", _("Diary reminder")
    CHECKIN = "checkin", _("Check-in")
    DIGEST = "digest", _("Daily digest")
    SAFETY = "safety", _("Safety notice")
    PAUSE = "pause", _("No LDN tonight")
    MESSAGE = "message", _("New message")
    SUPPLY = "supply", _("Supply and refills")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the portal")
    EMAIL = "email", _("E-mail")


class Notification(models.Model):
    """One planned delivery of one reminder on one channel: the outbox row.

    Life cycle: pending → queued (the dispatcher enqueued a send) → sending (a worker claimed
    it) → sent; or cancelled (replanned away) / skipped (nothing to say any more at send
    time) / failed (gave up after retries). `dedupe_key` makes planning idempotent; `version`
    is bumped whenever the row is re-planned, so a send enqueued for an older version does
    nothing.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    dedupe_key = models.CharField(max_length=160, unique=True)
    version = models.PositiveIntegerField(default=1)
    # Ids and dates only (what the composer needs to write the message at send time).
    context = models.JSONField(default=dict, blank=True)
    # Filled in when sent: what the person sees in the notification centre.
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_at"]
        verbose_name = _("notification")
        indexes = [
            # The dispatcher's query reads only due, pending rows: its cost does not grow
            # with the number of rows planned for later.
            models.Index(
                fields=["due_at"], name="notification_pending_due", condition=Q(status="pending")
            ),
            models.Index(
                fields=["claimed_at"],
                name="notification_in_flight",
                condition=Q(status__in=["queued", "sending"]),
            ),
            models.Index(fields=["recipient", "channel", "status", "-due_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="notification_sent_has_time",
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.kind}/{self.channel} #{self.pk} for user {self.recipient_id}"


class Preferences(models.Model):
    """A person's reminder settings. Safety notices cannot be turned off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preferences"
    )
    dose_enabled = models.BooleanField(_("tonight's dose"), default=True)
    # Local time of the dose reminder; empty means 30 minutes before the usual bedtime.
    dose_time = models.TimeField(_("dose reminder time"), null=True, blank=True)
    step_enabled = models.BooleanField(_("titration steps"), default=True)
    diary_enabled = models.BooleanField(_("diary reminder"), default=True)
    diary_time = models.TimeField(_("diary reminder time"), default="20:00")
    checkin_enabled = models.BooleanField(_("check-ins"), default=True)
    supply_enabled = models.BooleanField(_("supply and refills"), default=True)
    digest_enabled = models.BooleanField(_("daily digest (providers)"), default=True)
    email_enabled = models.BooleanField(_("send e-mails"), default=True)
    detailed_email = models.BooleanField(
        _("detailed e-mails"),
        default=False,
        help_text=_("Put the reminder's text in the e-mail instead of only a link."),
    )
    quiet_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours end"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder preferences")

    def __str__(self):
        return f"Preferences of user {self.user_id}"

    def kind_enabled(self, kind: str) -> bool:
        return {
            Kind.DOSE: self.dose_enabled,
            Kind.STEP: self.step_enabled,
            Kind.DIARY: self.diary_enabled,
            Kind.CHECKIN: self.checkin_enabled,
            Kind.SUPPLY: self.supply_enabled,
            Kind.DIGEST: self.digest_enabled,
            # Safety notices and "do not take LDN" cannot be turned off.
            Kind.SAFETY: True,
            Kind.PAUSE: True,
        }.get(kind, True)


class Delivery(models.Model):
    """A log line per completed send, written in the transaction that marks the row sent.

    Deliberately not unique per notification: the tests count these rows to show that a
    reminder was delivered exactly once, so a double send would show up here.
    """

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    delivered_at = models.DateTimeField()
    worker = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("delivery")

    def __str__(self):
        return f"Delivery of notification {self.notification_id}"
