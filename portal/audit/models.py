from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessEvent(models.Model):
    """Someone other than the patient read or exported part of a patient's record."""

    class Action(models.TextChoices):
        VIEW_RECORD = "view_record", _("Viewed the record")
        VIEW_DIARY = "view_diary", _("Viewed the diary")
        VIEW_TRENDS = "view_trends", _("Viewed the trends")
        EXPORT_DIARY = "export_diary", _("Downloaded the diary")
        VIEW_REGIMEN = "view_regimen", _("Viewed the regimen")
        VIEW_MEDICATIONS = "view_medications", _("Viewed the medications")
        VIEW_CHECKINS = "view_checkins", _("Viewed the check-ins")
        REVIEW = "review", _("Reviewed the record")
        VIEW_MESSAGES = "view_messages", _("Read the messages")
        API_READ = "api_read", _("Read the record through a connected app")
        PASSPORT = "passport", _("Downloaded the LDN passport")
        EXPORT_RECORD = "export_record", _("Downloaded all the data")
        EXPORT_PANEL = "export_panel", _("Downloaded the care team's panel")
        VISIT_SUMMARY = "visit_summary", _("Downloaded a visit summary")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=16)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="access_events"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    path = models.CharField(max_length=300)
    # The connected app (SMART on FHIR) that read the record, by name; empty for pages.
    via = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access event")
        indexes = [models.Index(fields=["patient", "-at"])]

    def __str__(self):
        return f"{self.actor} {self.action} {self.patient_id} at {self.at:%Y-%m-%d %H:%M}"
