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
from regimens import safety, supply, titration

DOSE = {"max_digits": 6, "decimal_places": 3}
MIN_TOKEN_LENGTH = 32


def default_tolerance_window_days() -> int:
    return settings.LDN["DEFAULT_TOLERANCE_WINDOW_DAYS"]


class DoseTime(models.TextChoices):
    """When the dose is taken (FHIR `when`: HS or MORN; docs/clinical-rules.md §1.4, §9)."""

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
        help_text=_(
            "Untick to let the portal apply a due step-up itself when no moderate or severe "
            "side effect was reported in the tolerance window."
        ),
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

    def rules(self, **extra) -> titration.Rules:
        """The engine's rules for this protocol; `extra` adds what depends on a regimen (its
        formulation's measurable doses: Regimen.rules)."""
        if extra.get("dose_quantum_mg") is None:
            extra.pop("dose_quantum_mg", None)
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
    # Why it is paused (a DecisionReason value): a pause for an opioid or an operation ends
    # with a restart the engine recommends once nothing stands in the way; any other pause
    # ends when the care team decides.
    pause_reason = models.CharField(_("pause reason"), max_length=20, blank=True)
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
    def paused_for_opioid(self) -> bool:
        """Paused for an opioid or an operation: the engine recommends the restart once the
        opioid status is clear."""
        return self.status == self.Status.PAUSED and self.pause_reason in OPIOID_PAUSE_REASONS

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

    def rules(self) -> titration.Rules:
        """The engine's rules for this regimen: the protocol's, with the doses its formulation
        measures, the protocol's first dose to titrate again from, and the configured resume
        and adherence rules (docs/clinical-rules.md §2.8, §3.7)."""
        formulation = self.formulation()
        ldn = settings.LDN
        allowed = ldn.get("ALLOWED_CEILING_MG")
        top = max(
            self.protocol.ceiling_mg,
            Decimal(str(ldn["LDN_MAX_MG"])),
            Decimal(str(allowed)) if allowed else Decimal(0),
        )
        return self.protocol.rules(
            dose_quantum_mg=safety.dose_quantum(formulation),
            doses=safety.measurable_doses(formulation, upto=top),
            start_mg=self.protocol.start_mg,
            same_dose_max_break_days=ldn["RESUME_SAME_DOSE_MAX_BREAK_DAYS"],
            min_taken_share=Decimal(str(ldn["STEP_UP_MIN_TAKEN_SHARE"])),
        )

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

    Like a FHIR Dosage with `sequence` and `boundsPeriod` (docs/clinical-rules.md §9): a step
    lasts until the next step starts; the last one is open-ended.
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


# The DecisionReason values of a pause that ends with the engine's restart.
OPIOID_PAUSE_REASONS = ("opioid_needed", "surgery")


class DecisionReason(models.TextChoices):
    """Why a provider (or the schedule) changed a plan."""

    TOLERATING_WELL = "tolerating_well", _("Tolerating well")
    SIDE_EFFECTS = "side_effects", _("Side effects")
    PATIENT_REQUEST = "patient_request", _("Patient request")
    OPIOID_NEEDED = "opioid_needed", _("Opioid needed")
    SURGERY = "surgery", _("Surgery")
    TREATMENT_COMPLETED = "treatment_completed", _("Treatment completed")
    OTHER = "other", _("Other")
    PROTOCOL_SCHEDULE = (
        "protocol_schedule",
        _("Protocol schedule: no moderate or severe side effect reported"),
    )


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
        OPIOID_STATUS = "opioid_status", _("Opioid status changed")
        ACKNOWLEDGED = "acknowledged", _("Opioid flag acknowledged")
        PLAN_PROPOSED = "plan_proposed", _("Pause proposed")
        PLAN_APPROVED = "plan_approved", _("Pause approved")
        PLAN_CHANGED = "plan_changed", _("Pause re-planned")
        PLAN_DECLINED = "plan_declined", _("Pause declined")
        PLAN_CANCELLED = "plan_cancelled", _("Pause cancelled")

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
            "note": self.note,
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
    RegimenEvent.Kind.OPIOID_STATUS: _("Opioid status: %(note)s"),
    RegimenEvent.Kind.ACKNOWLEDGED: _("The opioid flag was acknowledged."),
    RegimenEvent.Kind.PLAN_PROPOSED: _("A pause of LDN was proposed: %(note)s"),
    RegimenEvent.Kind.PLAN_APPROVED: _("The pause was approved: %(note)s"),
    RegimenEvent.Kind.PLAN_CHANGED: _("The pause was planned again: %(note)s"),
    RegimenEvent.Kind.PLAN_DECLINED: _("The pause was declined."),
    RegimenEvent.Kind.PLAN_CANCELLED: _("The pause was cancelled."),
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


class PausePlan(models.Model):
    """A planned pause of LDN around a procedure or a short opioid course, proposed from the
    rules (regimens.opioids.propose_pause), recorded by the patient or the care team, and
    approved, changed or declined by a provider on the care team. Once approved it drives
    Tonight, the reminders, the calendar feed and the restart task in the titration queue."""

    class Kind(models.TextChoices):
        PROCEDURE = "procedure", _("A procedure or operation")
        COURSE = "course", _("A short course of an opioid")

    class ProcedureKind(models.TextChoices):
        SURGERY = "surgery", _("Surgery")
        DENTAL = "dental", _("Dental work")
        ENDOSCOPY = "endoscopy", _("Endoscopy or colonoscopy")
        OTHER = "other", _("Another procedure")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the care team")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Restarted")

    class DeclineReason(models.TextChoices):
        NO_PAUSE_NEEDED = "no_pause_needed", _("No pause of LDN is needed")
        ANOTHER_PLAN = "another_plan", _("Another plan was agreed with the patient")
        NOT_HAPPENING = "not_happening", _("The procedure or course is not happening")
        OTHER = "other", _("Other")

    OPEN = (Status.PROPOSED, Status.APPROVED)

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="pause_plans"
    )
    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="pause_plans")
    kind = models.CharField(_("what is planned"), max_length=10, choices=Kind.choices)
    procedure_on = models.DateField(_("day of the procedure"), null=True, blank=True)
    procedure_kind = models.CharField(
        _("kind of procedure"), max_length=10, choices=ProcedureKind.choices, blank=True
    )
    opioids_after = models.BooleanField(_("opioids expected afterwards"), default=False)
    last_opioid_on = models.DateField(_("last day of opioids"), null=True, blank=True)
    medication_name = models.CharField(_("opioid"), max_length=200, blank=True)
    opioid_ingredient = models.CharField(max_length=60, blank=True)
    washout_days = models.PositiveSmallIntegerField()
    course_starts_on = models.DateField(_("first day of the opioid"), null=True, blank=True)
    course_ends_on = models.DateField(_("last day of the opioid"), null=True, blank=True)
    # The plan: from the rules, possibly made more cautious by the approving provider.
    last_dose_on = models.DateField(_("last LDN dose"))
    pause_from = models.DateField(_("first day without LDN"))
    restart_on = models.DateField(_("LDN again from"))
    same_dose = models.BooleanField(_("restart at the same dose"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=16, choices=DeclineReason.choices, blank=True)
    decision_note = models.CharField(_("note"), max_length=500, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-pause_from", "-pk"]
        verbose_name = _("planned pause")
        indexes = [models.Index(fields=["patient", "status"])]
        constraints = [
            models.CheckConstraint(
                name="pause_plan_has_its_dates",
                condition=Q(kind="procedure", procedure_on__isnull=False)
                | Q(
                    kind="course",
                    course_starts_on__isnull=False,
                    course_ends_on__isnull=False,
                    course_ends_on__gte=F("course_starts_on"),
                ),
            ),
            models.CheckConstraint(
                name="pause_plan_dates_in_order",
                condition=Q(last_dose_on__lt=F("pause_from"), restart_on__gt=F("pause_from")),
            ),
        ]

    def __str__(self):
        return f"Pause plan {self.pk} of patient {self.patient_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def label(self) -> str:
        """ "surgery on 3 Dec 2026", "codeine from 1 Dec to 3 Dec 2026"."""
        if self.kind == self.Kind.PROCEDURE:
            what = self.get_procedure_kind_display() or _("a procedure")
            return _("%(what)s on %(day)s") % {
                "what": str(what).lower(),
                "day": day(self.procedure_on),
            }
        return _("%(name)s from %(first)s to %(last)s") % {
            "name": self.medication_name,
            "first": day(self.course_starts_on),
            "last": day(self.course_ends_on),
        }

    def timeline(self) -> list[tuple[date, str]]:
        """The pause day by day, for the one page the patient and the care team read."""
        events = [
            (self.last_dose_on, _("Last LDN dose before the pause.")),
            (self.pause_from, _("First day without LDN.")),
        ]
        if self.kind == self.Kind.PROCEDURE:
            events.append((self.procedure_on, _("The %(what)s.") % {"what": self.label}))
            if self.opioids_after:
                events.append(
                    (
                        self.last_opioid_on or self.procedure_on,
                        _("Last day of opioids expected (tell your care team if it changes)."),
                    )
                )
        else:
            events.append(
                (
                    self.course_starts_on,
                    _("First day of %(name)s.") % {"name": self.medication_name},
                )
            )
            events.append(
                (self.course_ends_on, _("Last day of %(name)s.") % {"name": self.medication_name})
            )
        if self.same_dose:
            restart = _("LDN again from this day, at the same dose, once your care team confirms.")
        else:
            restart = _(
                "LDN again from this day, starting again from the protocol's first dose, once "
                "your care team confirms."
            )
        events.append((self.restart_on, restart))
        return sorted(events, key=lambda e: e[0])


class SupplyFill(models.Model):
    """One fill of LDN from the pharmacy, recorded by the patient or the care team: the day
    it came, the form, the strength (mg per capsule, per mL or per drop) and how much
    (capsules, mL or drops). regimens.supply counts how long the fills last."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="supply_fills"
    )
    on = models.DateField(_("date of the fill"))
    form = models.CharField(_("form"), max_length=8, choices=Regimen.Form.choices)
    strength_mg = models.DecimalField(_("strength (mg)"), **DOSE)
    quantity = models.DecimalField(_("quantity"), max_digits=7, decimal_places=1)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("supply fill")
        indexes = [models.Index(fields=["patient", "on"])]
        constraints = [
            models.CheckConstraint(
                name="supply_fill_positive", condition=Q(quantity__gt=0, strength_mg__gt=0)
            )
        ]

    def __str__(self):
        return f"Fill {self.pk} of patient {self.patient_id} on {self.on}"

    def as_fill(self) -> supply.Fill:
        return supply.Fill(
            on=self.on, form=self.form, strength_mg=self.strength_mg, quantity=self.quantity
        )

    @property
    def label(self) -> str:
        """ "30 capsules of 1.5 mg"."""
        return supply.unit_label(self.form, self.strength_mg, self.quantity)


class RefillRequest(models.Model):
    """A patient's request for a refill, sent to the care team with the quantity that
    reaches the next check-in; open until a provider marks it handled."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the care team")
        HANDLED = "handled", _("Handled")

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="refill_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    runs_out_on = models.DateField(_("runs out on"), null=True, blank=True)
    covers_until = models.DateField(_("to last until"))
    quantity_text = models.CharField(_("quantity"), max_length=200)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("refill request")
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(status="open"), name="one_open_refill_request"
            ),
            models.CheckConstraint(
                name="refill_request_handled_has_who",
                condition=Q(status="open", handled_at__isnull=True)
                | Q(status="handled", handled_at__isnull=False, handled_by__isnull=False),
            ),
        ]

    def __str__(self):
        return f"Refill request {self.pk} of patient {self.patient_id}"
