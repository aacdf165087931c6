from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from patients.rules import side_effects as catalogue
from patients.rules.side_effects import Severity


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
    # Naltrexone at a full dose (Vivitrol, Revia, Contrave, naltrexone 50 mg): the same
    # medicine as the LDN at many times the dose, a duplicate therapy.
    is_full_dose_naltrexone = models.BooleanField(default=False)
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
        SEVERE_SIDE_EFFECT = "severe_side_effect", _("Severe side effect")
        LASTING_SIDE_EFFECT = "lasting_side_effect", _("Side effect lasting after a step up")
        SILENT_DIARY = "silent_diary", _("No diary entries")
        MISSED_DOSES = "missed_doses", _("Missed doses")
        THYROID_SYMPTOMS = "thyroid_symptoms", _("Thyroid symptoms")
        OVERDUE_CHECKIN = "overdue_checkin", _("Overdue check-in")
        DOSE_DURING_PAUSE = "dose_during_pause", _("LDN taken while it should not be")
        FULL_DOSE_NALTREXONE = "full_dose_naltrexone", _("Full-dose naltrexone on the list")
        SUPPLY_STRENGTH = "supply_strength", _("Supply cannot make a planned step")

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
    # A flag that cannot close while its cause lasts (an opioid on the list) is acknowledged
    # by a provider's review instead: who, when and their note, and it stays open.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledgement_note = models.CharField(max_length=500, blank=True)

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


def _score(label):
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


def _severity(label):
    return models.PositiveSmallIntegerField(label, choices=Severity.choices, null=True, blank=True)


# The diary's side-effect columns, one per item of the catalogue (patients.rules.side_effects):
# adding an item there adds its column here (and a migration).
SideEffectColumns = type(
    "SideEffectColumns",
    (models.Model,),
    {
        "__module__": __name__,
        "Meta": type("Meta", (), {"abstract": True}),
        **{item.field: _severity(item.phrase) for item in catalogue.ITEMS},
    },
)


def _any_side_effect() -> Q:
    query = Q()
    for field in catalogue.FIELDS:
        query |= Q(**{f"{field}__gte": catalogue.MILD})
    return query


class DiaryEntry(SideEffectColumns):
    """One day of the symptom diary, on the patient's local date.

    Scores are 0-10 numeric rating scales with a 24-hour recall (free to use;
    docs/clinical-rules.md §4.1, §4.2). Side effects are the catalogue's items rated none /
    mild / moderate / severe (SideEffectColumns). Every saved version is kept in the
    history table. Whether the dose was taken lives in regimens.DoseLog.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="diary_entries")
    local_date = models.DateField(_("day"))
    pain = _score(_("pain"))
    fatigue = _score(_("fatigue"))
    sleep_quality = _score(_("sleep quality"))
    mood = _score(_("mood"))
    other_effect_text = models.CharField(_("which side effect"), max_length=200, blank=True)
    # Asked only of patients with insulin resistance, prediabetes or type 2 diabetes.
    fasting_glucose = models.DecimalField(
        _("fasting glucose"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    glucose_unit = models.CharField(
        _("glucose unit"),
        max_length=8,
        choices=[("mmol/L", "mmol/L"), ("mg/dL", "mg/dL")],
        blank=True,
    )
    # Asked only of patients with Crohn's disease or ulcerative colitis.
    stools_per_day = models.PositiveSmallIntegerField(_("stools per day"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    morning_checkin_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-local_date"]
        verbose_name = _("diary entry")
        verbose_name_plural = _("diary entries")
        # The triage queue reads the last few days of side effects of a whole care team.
        indexes = [
            models.Index(
                fields=["local_date"],
                name="diary_day_with_side_effect",
                condition=_any_side_effect(),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "local_date"], name="one_diary_entry_per_day"
            ),
            *[
                models.CheckConstraint(
                    name=f"diary_{name}_0_to_10",
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__lte": 10}),
                )
                for name in ("pain", "fatigue", "sleep_quality", "mood")
            ],
            *[
                models.CheckConstraint(
                    name=f"diary_{name}_severity",
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__lte": 3}),
                )
                for name in catalogue.FIELDS
            ],
            models.CheckConstraint(
                name="diary_glucose_has_unit",
                condition=Q(fasting_glucose__isnull=True) | ~Q(glucose_unit=""),
            ),
        ]

    def __str__(self):
        return f"Diary {self.local_date} of patient {self.patient_id}"


class PGICResponse(models.Model):
    """Patient Global Impression of Change: 1 very much improved ... 7 very much worse.

    Public domain (NINDS CDE). Asked at check-ins and every 4 weeks of a regimen.
    """

    class Score(models.IntegerChoices):
        VERY_MUCH_IMPROVED = 1, _("Very much improved")
        MUCH_IMPROVED = 2, _("Much improved")
        MINIMALLY_IMPROVED = 3, _("Minimally improved")
        NO_CHANGE = 4, _("No change")
        MINIMALLY_WORSE = 5, _("Minimally worse")
        MUCH_WORSE = 6, _("Much worse")
        VERY_MUCH_WORSE = 7, _("Very much worse")

    class Occasion(models.TextChoices):
        CHECKIN = "checkin", _("At a check-in")
        FOUR_WEEKLY = "four_weekly", _("Every 4 weeks of a regimen")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="pgic_responses")
    answered_on = models.DateField(_("answered on"))
    score = models.PositiveSmallIntegerField(_("overall change"), choices=Score.choices)
    occasion = models.CharField(max_length=16, choices=Occasion.choices)
    checkin = models.ForeignKey(
        "patients.CheckIn", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-answered_on"]
        verbose_name = _("PGIC answer")
        constraints = [
            models.CheckConstraint(
                name="pgic_score_1_to_7", condition=Q(score__gte=1, score__lte=7)
            )
        ]

    def __str__(self):
        return f"PGIC {self.score} on {self.answered_on}"


class CheckIn(models.Model):
    """An appointment between a patient and a provider on the care team."""

    class Kind(models.TextChoices):
        VIDEO = "video", _("Video call")
        PHONE = "phone", _("Phone call")
        IN_PERSON = "in_person", _("In person")
        DIARY_REVIEW = "diary_review", _("Diary review")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked, waiting for the patient")
        CONFIRMED = "confirmed", _("Confirmed")
        RESCHEDULE_REQUESTED = "reschedule", _("Patient asked for another time")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="checkins")
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkins"
    )
    starts_at = models.DateTimeField(_("date and time"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    patient_message = models.CharField(_("message to your provider"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Set when a check-in rule of the regimen planned it (e.g. 2 weeks after a step).
    from_rule = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("check-in")
        indexes = [
            models.Index(fields=["provider", "status", "starts_at"]),
            models.Index(fields=["patient", "status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="checkin_completed_has_time",
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
            )
        ]

    def __str__(self):
        return f"Check-in {self.pk} ({self.get_kind_display()})"


class Review(models.Model):
    """A provider marked a patient reviewed: the note, who, when and the flags it closed.

    Append-only: a review is never edited, so it needs no history table of its own (the
    flags it closed keep theirs).
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()
    note = models.CharField(_("review note"), max_length=500, blank=True)
    flags = models.ManyToManyField(Flag, blank=True, related_name="reviews")

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        verbose_name = _("review")
        indexes = [models.Index(fields=["patient", "-reviewed_at"])]

    def __str__(self):
        return f"Review of patient {self.patient_id} at {self.reviewed_at:%Y-%m-%d %H:%M}"


class SideEffectReport(models.Model):
    """A side effect on a day reported between diary days: by the patient on Tonight, or by
    the care team on the regimen page. One of the sources patients.selectors.side_effects
    reads, with the diary (the catalogue's items; Severity's mild to severe).

    Moved here from regimens with its table and history table unchanged.
    """

    regimen = models.ForeignKey(
        "regimens.Regimen", on_delete=models.CASCADE, related_name="side_effects"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="side_effect_reports"
    )
    on = models.DateField(_("day"))
    kind = models.CharField(_("side effect"), max_length=16, choices=catalogue.report_choices())
    severity = models.PositiveSmallIntegerField(
        _("how bad"), choices=catalogue.severity_choices(with_none=False)
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(
        excluded_fields=["created_at"], table_name="regimens_historicalsideeffectreport"
    )

    class Meta:
        db_table = "regimens_sideeffectreport"
        ordering = ["-on", "-pk"]
        verbose_name = _("side-effect report")
        constraints = [
            models.CheckConstraint(
                name="side_effect_severity_valid",
                condition=Q(severity__in=[catalogue.MILD, catalogue.MODERATE, catalogue.SEVERE]),
            ),
            models.CheckConstraint(
                name="side_effect_kind_valid",
                condition=Q(kind__in=[item.key for item in catalogue.REPORTABLE]),
            ),
        ]
        indexes = [models.Index(fields=["patient", "on"], name="side_effect_report_day")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_severity_display()}) {self.on}"


class PatientStatus(models.Model):
    """The patient's clinical picture in one row, kept current in the same transaction by every
    service that changes it (patients.status.status_refresh), and by a beat task for the
    changes that come by themselves (a step falling due, a washout ending) once
    `next_change_at` (the start of `next_change_on` in the patient's zone) passes. Triage,
    the titration queue, the patient list, Tonight, the reminders and the record read it;
    `manage.py check_status` and a property test prove it equals a recomputation from
    scratch.
    """

    class OpioidState(models.TextChoices):
        CLEAR = "clear", _("Clear")
        ACTIVE = "active", _("An opioid is taken")
        WASHOUT = "washout", _("Opioid washout")
        PLANNED = "planned", _("Planned pause")

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="status"
    )
    # The opioid status (regimens.opioids.Status) and what is behind it, for pages.
    opioid_state = models.CharField(
        max_length=8, choices=OpioidState.choices, default=OpioidState.CLEAR
    )
    opioid_until = models.DateField(null=True, blank=True)
    opioid_reason = models.CharField(max_length=500, blank=True)
    opioid_detail = models.JSONField(default=dict, blank=True)
    # The open regimen and the engine's recommendation for it (regimens.titration).
    regimen = models.ForeignKey(
        "regimens.Regimen", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recommendation = models.CharField(max_length=20, blank=True)
    recommended_mg = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    recommendation_reasons = models.JSONField(default=list, blank=True)
    # Why a decision waits (the titration queue's codes) and its place in the queue's order.
    queue_why = models.CharField(max_length=100, blank=True)  # "opioid,due"
    queue_rank = models.PositiveSmallIntegerField(default=99)
    due_on = models.DateField(null=True, blank=True)
    # Open flags: the most serious and how many.
    top_severity = models.PositiveSmallIntegerField(default=0)  # 0: no open flag
    open_flags = models.PositiveSmallIntegerField(default=0)
    last_diary_on = models.DateField(null=True, blank=True)
    # On triage: an open flag or a decision waiting. Ordered by the columns below.
    needs_attention = models.BooleanField(default=False)
    sort_name = models.CharField(max_length=150, blank=True)
    # The patient's next local date on which the status changes by itself; None when nothing
    # is scheduled. The beat task refreshes rows whose date has come.
    next_change_on = models.DateField(null=True, blank=True)
    # The instant that date starts in the patient's time zone, kept with it (and when the
    # patient moves zone): "which rows are due now" is one indexed range, in no zone.
    next_change_at = models.DateTimeField(null=True, blank=True)
    computed_for = models.DateField(null=True, blank=True)  # the local date it describes
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("patient status")
        verbose_name_plural = _("patient statuses")
        indexes = [
            models.Index(
                fields=["next_change_at"],
                name="status_next_change_at",
                condition=Q(next_change_at__isnull=False),
            ),
            models.Index(
                F("top_severity").desc(),
                "queue_rank",
                "due_on",
                "sort_name",
                "patient",
                name="status_triage_order",
                condition=Q(needs_attention=True),
            ),
            models.Index(
                F("top_severity").desc(), "sort_name", "patient", name="status_list_order"
            ),
            models.Index(
                "queue_rank",
                "due_on",
                "sort_name",
                "patient",
                name="status_queue_order",
                condition=Q(queue_rank__lt=99),
            ),
        ]

    def __str__(self):
        return f"Status of patient {self.patient_id}"

    @property
    def opioid_clear(self) -> bool:
        return self.opioid_state == self.OpioidState.CLEAR


class CaregiverGrant(models.Model):
    """What a caregiver may do on a patient's record, from `since` until `ended_at`.

    The patient chooses every permission and may change or end the grant at any time; the
    change applies to the caregiver's next request (every caregiver page reads the grant).
    """

    class Permission(models.TextChoices):
        PLAN = "plan", _("See the plan and Tonight")
        DIARY = "diary", _("Log doses and keep the diary")
        MESSAGES = "messages", _("Read and send messages")
        TRENDS = "trends", _("See trends")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="caregiver_grants")
    caregiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_grants"
    )
    can_see_plan = models.BooleanField(_("see the plan and Tonight"), default=False)
    can_keep_diary = models.BooleanField(_("log doses and keep the diary"), default=False)
    can_message = models.BooleanField(_("read and send messages"), default=False)
    can_see_trends = models.BooleanField(_("see trends"), default=False)
    # The reminders the patient chose to send the caregiver too.
    remind_dose = models.BooleanField(_("tonight's dose reminder"), default=False)
    remind_diary = models.BooleanField(_("diary reminder"), default=False)
    since = models.DateTimeField(_("since"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    history = HistoricalRecords()

    # Permission -> field.
    FIELDS = {
        Permission.PLAN: "can_see_plan",
        Permission.DIARY: "can_keep_diary",
        Permission.MESSAGES: "can_message",
        Permission.TRENDS: "can_see_trends",
    }

    class Meta:
        verbose_name = _("caregiver access")
        verbose_name_plural = _("caregiver access")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "caregiver"],
                condition=Q(ended_at__isnull=True),
                name="one_open_grant_per_caregiver",
            ),
            models.CheckConstraint(
                name="grant_ends_after_it_starts",
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("since")),
            ),
        ]
        indexes = [models.Index(fields=["caregiver", "ended_at"])]

    def __str__(self):
        return f"{self.caregiver} cares for {self.patient}"

    def allows(self, permission: str) -> bool:
        return self.ended_at is None and getattr(self, self.FIELDS[permission])

    # Reminder kind (portal.notifications Kind values) -> field.
    REMINDER_FIELDS = {"dose": "remind_dose", "diary": "remind_diary"}

    @property
    def permissions(self) -> list[str]:
        return [p for p, name in self.FIELDS.items() if getattr(self, name)]

    @property
    def reminders(self) -> list[str]:
        return [kind for kind, name in self.REMINDER_FIELDS.items() if getattr(self, name)]

    def reminds(self, kind: str) -> bool:
        """The caregiver gets this kind of reminder: chosen, and about something they may do
        (the dose with the plan or the diary permission, the diary with the diary one)."""
        if self.ended_at is not None or not getattr(self, self.REMINDER_FIELDS[kind]):
            return False
        if kind == "dose":
            return self.can_see_plan or self.can_keep_diary
        return self.can_keep_diary


class CaregiverInvitation(models.Model):
    """The patient and the permissions an invitation to a caregiver carries: the grant the
    caregiver gets on accepting it."""

    invitation = models.OneToOneField(
        "accounts.Invitation", on_delete=models.CASCADE, related_name="caregiver"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="caregiver_invitations"
    )
    can_see_plan = models.BooleanField(default=False)
    can_keep_diary = models.BooleanField(default=False)
    can_message = models.BooleanField(default=False)
    can_see_trends = models.BooleanField(default=False)
    remind_dose = models.BooleanField(default=False)
    remind_diary = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("caregiver invitation")

    def __str__(self):
        return f"{self.invitation.email} for {self.patient}"
