from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DataExport(models.Model):
    """A patient's request to download everything the portal holds about them. The worker
    builds the zip into `content`; it can be downloaded once, within 24 hours of being ready,
    and is emptied when downloaded or expired."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready to download")
        DOWNLOADED = "downloaded", _("Downloaded")
        EXPIRED = "expired", _("Expired")
        FAILED = "failed", _("Could not be prepared")

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="data_exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=80, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)
    content = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("data download")

    def __str__(self):
        return f"Data download {self.pk} of patient {self.patient_id}: {self.status}"
