"""Protocols, regimens, their titration steps, side-effect reports, the dose log and the
private calendar feed.

Models hold invariants (choices, named constraints, one-row helpers). The rules live in
`regimens/safety.py` and `regimens/titration.py`; writes in `regimens/services.py`.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from patients.models import CheckIn
from portal.lib.formats import day, mg
from regimens import safety, titration

DOSE = {"max_digits": 6, "decimal_places": 3}
MIN_TOKEN_LENGTH = 32


def default_tolerance_window_days() -> int:
    return settings.LDN["DEFAULT_TOLERANCE_WINDOW_DAYS"]


class DoseTime(models.TextChoices):
    """When the dose is taken (FHIR `when`: HS or MORN, CLINICAL.md 1 "Timing")."""

    BEDTIME = titration.BEDTIME, _("At bedtime")
    MORNING = titration.MORNING, _("In the morning")


class Protocol(models.Model):
    """An admin-managed titration schedule, versioned: a version any regimen uses is never
    changed in place (services.protocol_revise makes a new version and retires the old one).
    """

    family = models.SlugField(
        _("family"),
        max_length=60,
        help_text=_("The same for every version of this protocol, e.g. clinic-1-5-mg-fortnightly."),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=150)
    start_mg = models.DecimalField(_("start dose (mg)"), **DOSE)
    step_mg = models.DecimalField(_("step size (mg)"), **DOSE)
    interval_days = models.PositiveSmallIntegerField(_("days per step"))
    target_mg = models.DecimalField(_("target dose (mg)"), **DOSE)
    ceiling_mg = models.DecimalField(
        _("ceiling (mg)"),
        **DOSE,
        help_text=_("Doses above it need an explicit decision by the provider."),
    )
    tolerance_window_days = models.PositiveSmallIntegerField(
        _("tolerance window (days)"),
        default=default_tolerance_window_days,
        help_text=_("Days without a moderate or worse side effect before a step up."),
    )
    requires_approval = models.BooleanField(
        _("steps need a provider's approval"),
        default=True,
        help_text=_("Untick to let the portal apply due step-ups with no side effects itself."),
    )
    source = models.CharField(_("source"), max_length=300)
    source_url = models.URLField(_("source address"), max_length=300)
    note = models.TextField(_("note for providers"), blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("protocol")
        constraints = [
            models.UniqueConstraint(
                fields=["family", "version"], name="protocol_family_version_unique"
            ),
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(retired_at__isnull=True),
                name="one_current_version_per_protocol_family",
                violation_error_message=_(
                    "This family already has a current version: edit that one instead."
                ),
            ),
            models.CheckConstraint(
                name="protocol_doses_positive",
                condition=Q(start_mg__gt=0, step_mg__gt=0, target_mg__gt=0, ceiling_mg__gt=0),
                violation_error_message=_("Every dose of a protocol is above 0 mg."),
            ),
            models.CheckConstraint(
                name="protocol_target_within_ceiling",
                condition=Q(target_mg__lte=F("ceiling_mg")),
                violation_error_message=_("The target cannot be above the ceiling."),
            ),
            models.CheckConstraint(
                name="protocol_start_within_target",
                condition=Q(start_mg__lte=F("target_mg")),
                violation_error_message=_("The start dose cannot be above the target."),
            ),
            models.CheckConstraint(
                name="protocol_days_positive",
                condition=Q(interval_days__gte=1, tolerance_window_days__gte=1),
                violation_error_message=_("Days per step and the tolerance window are 1 or more."),
            ),
        ]

    def __str__(self):
        return _("%(name)s (version %(version)s)") % {"name": self.name, "version": self.version}

    @property
    def is_current(self) -> bool:
        return self.retired_at is None

    def dose_limits(self) -> safety.DoseLimits:
        """The dose rules for this protocol with the portal's configured limits."""
        allowed = settings.LDN.get("ALLOWED_CEILING_MG")
        return safety.DoseLimits(
            protocol_ceiling_mg=self.ceiling_mg,
            ldn_max_mg=Decimal(str(settings.LDN["LDN_MAX_MG"])),
            standard_dose_mg=Decimal(str(settings.LDN["STANDARD_DOSE_MG"])),
            allowed_ceiling_mg=Decimal(str(allowed)) if allowed else None,
        )

    def rules(self, *, dose_quantum_mg: Decimal | None = None) -> titration.Rules:
        extra = {"dose_quantum_mg": dose_quantum_mg} if dose_quantum_mg else {}
        return titration.Rules(
            step_mg=self.step_mg,
            interval_days=self.interval_days,
            target_mg=self.target_mg,
            ceiling_mg=self.ceiling_mg,
            tolerance_window_days=self.tolerance_window_days,
            **extra,
        )


class Regimen(models.Model):
    """A patient's course of LDN, started by a care-team provider from a protocol version."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        STOPPED = "stopped", _("Stopped")

    class Form(models.TextChoices):
        CAPSULE = safety.CAPSULE, _("Capsules")
        LIQUID = safety.LIQUID, _("Liquid")
        DROPS = safety.DROPS, _("Sublingual drops")

    OPEN = (Status.ACTIVE, Status.PAUSED)

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="regimens"
    )
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="regimens")
    form = models.CharField(_("form"), max_length=8, choices=Form.choices)
    # Capsule strengths in mg, comma-separated and normalised: "1.5,4.5".
    capsule_strengths = models.CharField(_("capsule strengths (mg)"), max_length=60, blank=True)
    concentration_mg_per_ml = models.DecimalField(
        _("concentration (mg/mL)"), null=True, blank=True, **DOSE
    )
    mg_per_drop = models.DecimalField(_("mg per drop"), null=True, blank=True, **DOSE)
    dose_time = models.CharField(_("dose time"), max_length=8, choices=DoseTime.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    started_on = models.DateField(_("start date"))
    paused_on = models.DateField(_("paused on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    opioid_override_reason = models.TextField(_("opioid override reason"), blank=True)
    hold_requested_at = models.DateTimeField(null=True, blank=True)
    hold_request_note = models.CharField(max_length=500, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = _("regimen")
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status__in=["active", "paused"]),
                name="one_open_regimen_per_patient",
            ),
            models.CheckConstraint(
                name="regimen_formulation_complete",
                condition=(
                    (Q(form="capsule") & ~Q(capsule_strengths=""))
                    | Q(
                        form="liquid",
                        concentration_mg_per_ml__isnull=False,
                        concentration_mg_per_ml__gt=0,
                    )
                    | Q(form="drops", mg_per_drop__isnull=False, mg_per_drop__gt=0)
                ),
            ),
            models.CheckConstraint(
                name="regimen_ended_when_closed",
                condition=Q(status__in=["active", "paused"], ended_on__isnull=True)
                | Q(status__in=["completed", "stopped"], ended_on__isnull=False),
            ),
            models.CheckConstraint(
                name="regimen_paused_has_date",
                condition=~Q(status="paused") | Q(paused_on__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["status", "patient"])]

    def __str__(self):
        return _("%(patient)s on %(protocol)s") % {
            "patient": self.patient,
            "protocol": self.protocol,
        }

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def strengths(self) -> tuple[Decimal, ...]:
        return tuple(Decimal(s) for s in self.capsule_strengths.split(",") if s)

    def formulation(self) -> safety.Formulation:
        return safety.Formulation(
            kind=self.form,
            capsule_strengths_mg=self.strengths,
            concentration_mg_per_ml=self.concentration_mg_per_ml,
            mg_per_drop=self.mg_per_drop,
        )

    @property
    def formulation_label(self) -> str:
        if self.form == self.Form.LIQUID:
            return _("liquid, %(conc)s mg/mL") % {"conc": mg(self.concentration_mg_per_ml)}
        if self.form == self.Form.DROPS:
            return _("sublingual drops, %(mg)s mg per drop") % {"mg": mg(self.mg_per_drop)}
        strengths = ", ".join(f"{mg(s)} mg" for s in self.strengths)
        return _("capsules of %(strengths)s") % {"strengths": strengths}

    def _steps(self) -> list["TitrationStep"]:
        return sorted(self.steps.all(), key=lambda step: step.sequence)

    @property
    def current_step(self) -> "TitrationStep | None":
        return next((s for s in self._steps() if s.status == TitrationStep.Status.CURRENT), None)

    @property
    def next_step(self) -> "TitrationStep | None":
        return next((s for s in self._steps() if s.status == TitrationStep.Status.PLANNED), None)

    @property
    def on_maintenance(self) -> bool:
        """An active regimen with no further step planned stays on its current dose."""
        return self.is_active and self.next_step is None


class TitrationStep(models.Model):
    """One dose for a period: the first day it applies (planned, then actual) and who decided.

    Like a FHIR Dosage with `sequence` and `boundsPeriod` (CLINICAL.md 4a): a step lasts until
    the next step starts; the last one is open-ended.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        CURRENT = "current", _("Current")
        DONE = "done", _("Done")

    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="steps")
    sequence = models.PositiveSmallIntegerField()
    dose_mg = models.DecimalField(_("dose (mg)"), **DOSE)
    dose_time = models.CharField(_("dose time"), max_length=8, choices=DoseTime.choices)
    planned_on = models.DateField(_("planned start"))
    started_on = models.DateField(_("started"), null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PLANNED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    automatic = models.BooleanField(default=False)
    reason = models.CharField(max_length=24, blank=True)
    above_ceiling_reason = models.CharField(max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["regimen", "sequence"]
        verbose_name = _("titration step")
        constraints = [
            models.UniqueConstraint(
                fields=["regimen", "sequence"], name="titration_step_sequence_unique"
            ),
            models.UniqueConstraint(
                fields=["regimen"],
                condition=Q(status="current"),
                name="one_current_step_per_regimen",
            ),
            models.CheckConstraint(name="titration_step_dose_positive", condition=Q(dose_mg__gt=0)),
            models.CheckConstraint(
                name="titration_step_started_unless_planned",
                condition=Q(status="planned", started_on__isnull=True)
                | (~Q(status="planned") & Q(started_on__isnull=False)),
            ),
        ]

    def __str__(self):
        return f"{mg(self.dose_mg)} mg from {self.starts_on}"

    @property
    def starts_on(self) -> date:
        return self.started_on or self.planned_on


class DecisionReason(models.TextChoices):
    """Why a provider (or the schedule) changed a plan."""

    TOLERATING_WELL = "tolerating_well", _("Tolerating well")
    SIDE_EFFECTS = "side_effects", _("Side effects")
    PATIENT_REQUEST = "patient_request", _("Patient request")
    OPIOID_NEEDED = "opioid_needed", _("Opioid needed")
    SURGERY = "surgery", _("Surgery")
    TREATMENT_COMPLETED = "treatment_completed", _("Treatment completed")
    OTHER = "other", _("Other")
    PROTOCOL_SCHEDULE = "protocol_schedule", _("Protocol schedule, no side effects")


class RegimenEvent(models.Model):
    """One line of the plan history both the provider and the patient read."""

    class Kind(models.TextChoices):
        STARTED = "started", _("Started")
        ADVANCED = "advanced", _("Stepped up")
        HELD = "held", _("Held")
        STEPPED_BACK = "stepped_back", _("Stepped back")
        MAINTENANCE = "maintenance", _("Set to maintenance")
        DOSE_TIME = "dose_time", _("Dose time changed")
        PAUSED = "paused", _("Paused")
        RESUMED = "resumed", _("Resumed")
        STOPPED = "stopped", _("Stopped")
        COMPLETED = "completed", _("Completed")
        HOLD_REQUESTED = "hold_requested", _("Hold requested")
        OPIOID_OVERRIDE = "opioid_override", _("Opioid screening overridden")

    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    effective_on = models.DateField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    reason = models.CharField(max_length=24, choices=DecisionReason.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    from_mg = models.DecimalField(null=True, blank=True, **DOSE)
    to_mg = models.DecimalField(null=True, blank=True, **DOSE)
    dose_time = models.CharField(max_length=8, choices=DoseTime.choices, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("plan history entry")
        verbose_name_plural = _("plan history")
        constraints = [
            models.CheckConstraint(
                name="regimen_event_actor_unless_automatic",
                condition=Q(automatic=True) | Q(actor__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"

    @property
    def summary(self) -> str:
        """What happened, in one sentence for the patient and the provider."""
        values = {
            "from": mg(self.from_mg) if self.from_mg else "",
            "to": mg(self.to_mg) if self.to_mg else "",
            "date": day(self.effective_on),
            "time": DoseTime(self.dose_time).label.lower() if self.dose_time else "",
        }
        return str(EVENT_SENTENCES[self.kind]) % values

    @property
    def by(self) -> str:
        if self.automatic:
            return str(_("Automatic, on the protocol's schedule"))
        return str(self.actor) if self.actor else ""


EVENT_SENTENCES = {
    RegimenEvent.Kind.STARTED: _("Started at %(to)s mg, %(time)s, from %(date)s."),
    RegimenEvent.Kind.ADVANCED: _("Stepped up from %(from)s mg to %(to)s mg from %(date)s."),
    RegimenEvent.Kind.HELD: _("Held at %(from)s mg; the next step moves to %(date)s."),
    RegimenEvent.Kind.STEPPED_BACK: _("Stepped back from %(from)s mg to %(to)s mg from %(date)s."),
    RegimenEvent.Kind.MAINTENANCE: _("Kept at %(from)s mg as the maintenance dose."),
    RegimenEvent.Kind.DOSE_TIME: _("Dose time changed: take it %(time)s from %(date)s."),
    RegimenEvent.Kind.PAUSED: _("Paused at %(from)s mg from %(date)s."),
    RegimenEvent.Kind.RESUMED: _("Resumed at %(to)s mg from %(date)s."),
    RegimenEvent.Kind.STOPPED: _("Stopped on %(date)s."),
    RegimenEvent.Kind.COMPLETED: _("Completed on %(date)s."),
    RegimenEvent.Kind.HOLD_REQUESTED: _("The patient asked to hold the next step."),
    RegimenEvent.Kind.OPIOID_OVERRIDE: _(
        "Started or resumed although an opioid is on the medication list."
    ),
}


class DoseLog(models.Model):
    """Whether the day's dose was taken: one row per regimen per local date."""

    class Status(models.TextChoices):
        TAKEN = "taken", _("Taken")
        SKIPPED = "skipped", _("Skipped on purpose")
        MISSED = "missed", _("Missed")

    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="dose_logs")
    on = models.DateField(_("day"))
    status = models.CharField(_("dose"), max_length=8, choices=Status.choices)
    dose_mg = models.DecimalField(_("dose (mg)"), **DOSE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-on"]
        verbose_name = _("dose log entry")
        constraints = [
            models.UniqueConstraint(fields=["regimen", "on"], name="one_dose_log_per_day"),
            models.CheckConstraint(name="dose_log_dose_positive", condition=Q(dose_mg__gt=0)),
        ]

    def __str__(self):
        return f"{self.on}: {self.get_status_display()}"


class CalendarFeed(models.Model):
    """A private, revocable iCalendar address for a patient's dose changes.

    Anyone with the token can read the feed, so the events say "LDN dose change" and nothing
    more unless the patient chose to include the dose.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token = models.CharField(max_length=64, unique=True)
    include_dose = models.BooleanField(_("include the dose in event titles"), default=False)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_calendar_feed_per_patient",
            ),
            models.CheckConstraint(
                name="calendar_token_long",
                condition=GreaterThanOrEqual(Length("token"), MIN_TOKEN_LENGTH),
            ),
        ]

    def __str__(self):
        return f"calendar feed {self.pk} of patient {self.patient_id}"


class CheckInRule(models.Model):
    """A provider's standing rule for a regimen, e.g. a check-in 2 weeks after each step."""

    regimen = models.OneToOneField(Regimen, on_delete=models.CASCADE, related_name="checkin_rule")
    days_after_step = models.PositiveSmallIntegerField(_("days after each step"), default=14)
    kind = models.CharField(_("kind"), max_length=16, choices=CheckIn.Kind.choices)
    at_time = models.TimeField(_("time of day"), default="10:00")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("check-in rule")
        constraints = [
            models.CheckConstraint(
                name="checkin_rule_days_positive", condition=Q(days_after_step__gte=1)
            )
        ]

    def __str__(self):
        return f"Check-in {self.days_after_step} days after each step"
