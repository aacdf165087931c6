from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Condition(models.Model):
    """The admin-managed catalogue of conditions a patient can list, each with a standard code."""

    class CodeSystem(models.TextChoices):
        SNOMED = "snomed", _("SNOMED CT")
        ICD10 = "icd10", _("ICD-10")
        NONE = "", _("No code")

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    code_system = models.CharField(
        _("code system"), max_length=8, choices=CodeSystem.choices, blank=True
    )
    code = models.CharField(_("code"), max_length=20, blank=True)
    is_thyroid = models.BooleanField(
        _("thyroid condition"),
        default=False,
        help_text=_("Patients with it start on the slow thyroid protocol and get thyroid items."),
    )
    active = models.BooleanField(_("offered to patients"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("condition")
        constraints = [
            models.CheckConstraint(
                name="condition_code_has_system",
                condition=Q(code="") | ~Q(code_system=""),
            )
        ]

    def __str__(self):
        return self.name


class Patient(models.Model):
    """A patient's clinical profile. The login, name and time zone live on the user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient"
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    bedtime = models.TimeField(_("usual bedtime"), null=True, blank=True)
    conditions = models.ManyToManyField(Condition, blank=True, verbose_name=_("conditions"))
    other_condition = models.CharField(_("other condition"), max_length=200, blank=True)
    pharmacy_name = models.CharField(_("compounding pharmacy"), max_length=150, blank=True)
    pharmacy_phone = models.CharField(_("pharmacy phone"), max_length=32, blank=True)
    off_label_acknowledged_at = models.DateTimeField(null=True, blank=True)
    onboarded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("patient")
        constraints = [
            models.CheckConstraint(
                name="patient_onboarding_needs_acknowledgement",
                condition=Q(onboarded_at__isnull=True) | Q(off_label_acknowledged_at__isnull=False),
            )
        ]

    def __str__(self):
        return str(self.user)

    @property
    def name(self) -> str:
        return self.user.get_full_name()

    @property
    def is_onboarded(self) -> bool:
        return self.onboarded_at is not None


class CareTeamMembership(models.Model):
    """A provider on a patient's care team from `since` until `until` (open while null)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="memberships")
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    since = models.DateTimeField(_("since"))
    until = models.DateTimeField(_("until"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("care team membership")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "provider"],
                condition=Q(until__isnull=True),
                name="one_open_membership_per_provider",
            ),
            models.CheckConstraint(
                name="membership_ends_after_it_starts",
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
            ),
        ]
        indexes = [models.Index(fields=["provider", "until"])]

    def __str__(self):
        return f"{self.provider} → {self.patient}"


class Medication(models.Model):
    """A medication on the patient's list, screened for opioids and thyroid hormones on save."""

    class Screening(models.TextChoices):
        NONE = "none", _("No concern")
        WARN = "warn", _("Warning")
        BLOCK = "block", _("Blocks LDN")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(_("medication"), max_length=200)
    dose_text = models.CharField(_("dose and how often"), max_length=200, blank=True)
    started_on = models.DateField(_("started"), null=True, blank=True)
    stopped_on = models.DateField(_("stopped"), null=True, blank=True)
    # The screening result at the last save, from regimens.safety.screen_medication.
    screening = models.CharField(max_length=8, choices=Screening.choices, default=Screening.NONE)
    opioid_ingredient = models.CharField(max_length=60, blank=True)
    washout_days = models.PositiveSmallIntegerField(default=0)
    is_thyroid_hormone = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["stopped_on", "name"]
        verbose_name = _("medication")
        constraints = [
            models.CheckConstraint(name="medication_name_not_blank", condition=~Q(name="")),
            models.CheckConstraint(
                name="medication_stops_after_it_starts",
                condition=Q(stopped_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(stopped_on__gte=models.F("started_on")),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.stopped_on is None

    @property
    def is_opioid(self) -> bool:
        return self.screening != self.Screening.NONE


class Flag(models.Model):
    """Something about a patient the care team should look at, with its reason.

    Opened by services (an opioid on the list now; diary rules later) and closed when a
    provider reviews it or the condition clears.
    """

    class Kind(models.TextChoices):
        OPIOID = "opioid", _("Opioid on the medication list")

    class Severity(models.IntegerChoices):
        # Higher sorts first in the provider's queue.
        INFO = 10, _("Info")
        ATTENTION = 20, _("Needs attention")
        URGENT = 30, _("Urgent")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    reason = models.CharField(max_length=300)
    # What raised it, e.g. "medication:12"; one open flag per patient, kind and cause.
    cause = models.CharField(max_length=80)
    medication = models.ForeignKey(
        Medication, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.CharField(max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-severity", "-raised_at"]
        verbose_name = _("flag")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "cause"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_flag_per_cause",
            )
        ]
        indexes = [models.Index(fields=["patient", "resolved_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.patient}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
