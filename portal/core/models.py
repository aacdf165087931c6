from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat task that beat schedules each minute."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("worker heartbeat")

    def __str__(self):
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class OfflineSubmission(models.Model):
    """An entry a patient's phone kept while offline and sent later (a dose mark or a diary
    day), by the key the phone gave it: the unique key makes a retry of the same entry,
    however often it is sent, save nothing twice (portal.core.offline)."""

    class Kind(models.TextChoices):
        DOSE = "dose", _("Dose")
        DIARY = "diary", _("Diary")

    class Outcome(models.TextChoices):
        SAVED = "saved", _("Saved")
        KEPT_SERVER = "kept_server", _("The entry already on the portal was kept")

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    day = models.DateField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("entry sent from a phone")
        constraints = [
            models.CheckConstraint(
                name="offline_submission_kind_valid", condition=models.Q(kind__in=["dose", "diary"])
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.day} ({self.key})"
