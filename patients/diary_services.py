"""Writes to the symptom diary, PGIC answers, diary flags and provider reviews: one
keyword-only function per use case, each in one transaction.

Whether the day's dose was taken lives in regimens.DoseLog: the diary's answer is recorded
through regimens.services.dose_log_mark, so the dose log stays the one source of truth.
Every save re-evaluates the patient's flags (patients.flags holds the rules).
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients import flags as rules
from patients.models import DiaryEntry, Flag, Patient, PGICResponse, Review
from patients.services import _notify_care_team, flag_review
from portal.accounts.models import Role, User
from regimens.models import DoseLog, Regimen, TitrationStep

SCORE_FIELDS = ("pain", "fatigue", "sleep_quality", "mood")
SEVERITY_FIELDS = rules.ITEMS
ENTRY_FIELDS = (
    *SCORE_FIELDS,
    *SEVERITY_FIELDS,
    "other_effect_text",
    "fasting_glucose",
    "glucose_unit",
    "stools_per_day",
    "notes",
)
SCORE_NAMES = {
    "pain": gettext_lazy("Pain"),
    "fatigue": gettext_lazy("Fatigue"),
    "sleep_quality": gettext_lazy("Sleep quality"),
    "mood": gettext_lazy("Mood"),
}
# How far back flags_evaluate reads diary days for a side effect lasting after a step up.
LASTING_MAX_DAYS_BACK = 90
AUTO_CLEARED = {
    Flag.Kind.SILENT_DIARY: gettext_lazy(
        "The patient wrote in the diary again, or no diary is expected any more."
    ),
    Flag.Kind.SEVERE_SIDE_EFFECT: gettext_lazy(
        "The diary entry was changed and no longer shows it."
    ),
    Flag.Kind.LASTING_SIDE_EFFECT: gettext_lazy("The diary was changed and no longer shows it."),
    Flag.Kind.THYROID_SYMPTOMS: gettext_lazy("The diary entry was changed and no longer shows it."),
}


def _day(value: date) -> str:
    return date_format(value, "j M")


def diary_day_errors(*, day: date, today: date) -> list[str]:
    """Why a diary day cannot be written or changed today, in words; empty when it can."""
    edit_days = settings.LDN["DIARY_EDIT_DAYS"]
    if day > today:
        return [
            _("A diary day cannot be in the future: choose %(today)s or earlier.")
            % {"today": date_format(today, "j M Y")}
        ]
    if (today - day).days > edit_days:
        return [
            _("Entries can be changed for %(days)d days; this one is from %(day)s.")
            % {"days": edit_days, "day": _day(day)}
        ]
    return []


def _check_values(values: Mapping[str, object]) -> None:
    unknown = set(values) - set(ENTRY_FIELDS)
    if unknown:
        raise ValueError(f"not diary fields: {sorted(unknown)}")
    errors = {}
    for name in SCORE_FIELDS:
        value = values.get(name)
        if value is not None and not 0 <= value <= 10:
            errors[name] = _("%(name)s is scored 0 to 10.") % {"name": SCORE_NAMES[name]}
    for name in SEVERITY_FIELDS:
        value = values.get(name)
        if value is not None and value not in (0, 1, 2, 3):
            errors[name] = _("Choose none, mild, moderate or severe.")
    if values.get("fasting_glucose") is not None and not values.get("glucose_unit"):
        errors["glucose_unit"] = _("Choose the unit of your glucose reading: mmol/L or mg/dL.")
    if errors:
        raise ValidationError(errors)


def _record_dose(
    *, regimen: Regimen | None, day: date, status: str, recorded_by: User, now: datetime
) -> None:
    """Record the diary's dose answer through the dose-log service (a no-op when unchanged)."""
    from regimens.services import dose_log_mark

    if not status:
        return
    if regimen is None:
        raise ValidationError({"dose": _("You have no active regimen, so no dose to record.")})
    current = DoseLog.objects.filter(regimen=regimen, on=day).values_list("status", flat=True)
    if list(current) == [status]:
        return
    try:
        dose_log_mark(regimen=regimen, on=day, status=status, recorded_by=recorded_by, now=now)
    except ValidationError as error:
        raise ValidationError({"dose": error.messages}) from None


def _save_entry(
    *, patient: Patient, day: date, entered_by: User, now: datetime, values: Mapping, why: str
) -> DiaryEntry:
    entry = DiaryEntry.objects.select_for_update().filter(patient=patient, local_date=day).first()
    if entry is None:
        entry = DiaryEntry(
            patient=patient, local_date=day, entered_by=entered_by, created_at=now, updated_at=now
        )
    for name, value in values.items():
        setattr(entry, name, value)
    entry.entered_by = entered_by
    entry.updated_at = now
    entry._change_reason = why
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        # Someone saved the same day a moment ago: update theirs instead.
        existing = DiaryEntry.objects.select_for_update().get(patient=patient, local_date=day)
        entry.pk, entry.created_at = existing.pk, existing.created_at
        entry._state.adding = False
        entry.save()
    return entry


@transaction.atomic
def diary_entry_save(
    *,
    patient: Patient,
    day: date,
    entered_by: User,
    today: date,
    values: Mapping[str, object],
    dose_status: str = "",
    regimen: Regimen | None = None,
    now: datetime | None = None,
) -> DiaryEntry:
    """Write or change the patient's entry for `day` (their local date): one per day, every
    version kept in the history. Refused for a future day or after DIARY_EDIT_DAYS.

    `values` holds the diary fields answered; an unanswered field is None (or "" for text).
    `dose_status` (taken, skipped or missed; "" for no answer) goes to the regimen's dose log.
    """
    now = now or timezone.now()
    errors = diary_day_errors(day=day, today=today)
    if errors:
        raise ValidationError(errors)
    _check_values(values)
    _record_dose(regimen=regimen, day=day, status=dose_status, recorded_by=entered_by, now=now)
    entry = _save_entry(
        patient=patient, day=day, entered_by=entered_by, now=now, values=values, why="diary"
    )
    flags_evaluate(patient=patient, today=today, now=now)
    return entry


@transaction.atomic
def morning_checkin_record(
    *,
    patient: Patient,
    today: date,
    entered_by: User,
    sleep_quality: int | None = None,
    vivid_dreams: int | None = None,
    now: datetime | None = None,
) -> DiaryEntry:
    """The two-tap morning check-in: last night's sleep and dreams, on today's entry (made if
    there is none yet). Each tap saves on its own; the first stamps morning_checkin_at."""
    now = now or timezone.now()
    values = {}
    if sleep_quality is not None:
        values["sleep_quality"] = sleep_quality
    if vivid_dreams is not None:
        values["vivid_dreams"] = vivid_dreams
    _check_values(values)
    entry = _save_entry(
        patient=patient,
        day=today,
        entered_by=entered_by,
        now=now,
        values=values,
        why="morning check-in",
    )
    if entry.morning_checkin_at is None:
        entry.morning_checkin_at = now
        entry._change_reason = "morning check-in"
        entry.save(update_fields=["morning_checkin_at"])
    flags_evaluate(patient=patient, today=today, now=now)
    return entry


@transaction.atomic
def pgic_record(
    *,
    patient: Patient,
    score: int,
    entered_by: User,
    occasion: str,
    checkin=None,
    on: date,
) -> PGICResponse:
    """Record a Patient Global Impression of Change (1 very much improved ... 7 very much
    worse; public domain, NINDS CDE): every 4 weeks of a regimen, or at a check-in.
    Answering again for the same day, occasion and check-in changes that answer."""
    if score not in PGICResponse.Score.values:
        raise ValidationError(
            {
                "score": _(
                    "Choose one of the seven answers, from very much improved to very much worse."
                )
            }
        )
    if occasion not in PGICResponse.Occasion.values:
        raise ValueError(f"unknown PGIC occasion {occasion!r}")
    existing = (
        PGICResponse.objects.select_for_update()
        .filter(patient=patient, answered_on=on, occasion=occasion, checkin=checkin)
        .first()
    )
    if existing is not None:
        existing.score = score
        existing.entered_by = entered_by
        existing._change_reason = "answered again"
        existing.save(update_fields=["score", "entered_by"])
        return existing
    response = PGICResponse(
        patient=patient,
        answered_on=on,
        score=score,
        occasion=occasion,
        checkin=checkin,
        entered_by=entered_by,
        created_at=timezone.now(),
    )
    response._change_reason = "answered"
    response.save()
    return response


# Flags ---------------------------------------------------------------------------------------


def thresholds() -> rules.Thresholds:
    ldn = settings.LDN
    return rules.Thresholds(
        severe=ldn["FLAG_SEVERE_SIDE_EFFECT"],
        lasting=ldn["FLAG_LASTING_SIDE_EFFECT"],
        lasting_days=ldn["FLAG_LASTING_DAYS"],
        thyroid=ldn["FLAG_THYROID_SYMPTOM"],
        silent_days=ldn["FLAG_SILENT_DIARY_DAYS"],
        missed_doses=ldn["FLAG_MISSED_DOSES"],
        missed_window_days=ldn["FLAG_MISSED_DOSES_WINDOW_DAYS"],
        lookback_days=ldn["FLAG_LOOKBACK_DAYS"],
    )


def _step_up_on(regimen: Regimen | None, today: date) -> date | None:
    """The first day of the current dose when it was a step up (the regimen's first dose
    counts: it goes up from nothing)."""
    if regimen is None:
        return None
    steps = sorted(
        (s for s in regimen.steps.all() if s.started_on and s.started_on <= today),
        key=lambda s: s.sequence,
    )
    current = next((s for s in steps if s.status == TitrationStep.Status.CURRENT), None)
    if current is None:
        return None
    earlier = [s for s in steps if s.sequence < current.sequence]
    if not earlier or current.dose_mg > earlier[-1].dose_mg:
        return current.started_on
    return None


def flag_facts(*, patient: Patient, today: date, limits: rules.Thresholds) -> rules.Facts:
    """What the flag rules need to know about the patient today, in a few queries."""
    regimen = (
        Regimen.objects.filter(patient=patient, status=Regimen.Status.ACTIVE)
        .prefetch_related("steps")
        .first()
    )
    step_up_on = _step_up_on(regimen, today)
    since = today - timedelta(days=limits.lookback_days)
    if step_up_on is not None:
        since = max(min(since, step_up_on), today - timedelta(days=LASTING_MAX_DAYS_BACK))
    fields = ("local_date", "other_effect_text", *rules.ITEMS)
    days = [
        rules.DiaryDay(
            day=row["local_date"],
            severities={item: row[item] for item in rules.ITEMS if row[item] is not None},
            other_text=row["other_effect_text"],
        )
        for row in patient.diary_entries.filter(
            local_date__gte=since, local_date__lte=today
        ).values(*fields)
    ]
    last_entry_on = patient.diary_entries.filter(local_date__lte=today).aggregate(
        last=Max("local_date")
    )["last"]
    # Missed doses of any regimen: a pause right after them does not hide them.
    missed = list(
        DoseLog.objects.filter(
            regimen__patient=patient,
            status=DoseLog.Status.MISSED,
            on__gt=today - timedelta(days=limits.missed_window_days),
            on__lte=today,
        ).values_list("on", flat=True)
    )
    thyroid = (
        patient.conditions.filter(is_thyroid=True).exists()
        or patient.medications.filter(is_thyroid_hormone=True, stopped_on__isnull=True).exists()
    )
    return rules.Facts(
        today=today,
        days=days,
        last_entry_on=last_entry_on,
        regimen_started_on=regimen.started_on if regimen else None,
        step_up_on=step_up_on,
        missed_dose_days=missed,
        thyroid_patient=thyroid,
    )


@transaction.atomic
def flags_evaluate(*, patient: Patient, today: date, now: datetime | None = None) -> list[Flag]:
    """Open, update and clear the patient's diary flags to match the rules today (the
    patient's local date). Returns the diary flags open afterwards.

    One open flag per kind and cause. A flag a provider reviewed is not raised again for the
    same cause; a new missed dose moves the open missed-doses flag to the newest day. An
    urgent flag sends the care team a safety notice (as an opioid on the list does). The
    opioid flag is patients.services' and is left alone.
    """
    now = now or timezone.now()
    Patient.objects.select_for_update().filter(pk=patient.pk).first()  # one at a time
    limits = thresholds()
    facts = flag_facts(patient=patient, today=today, limits=limits)
    raised = rules.evaluate(facts, limits)
    open_flags = {
        (f.kind, f.cause): f
        for f in Flag.objects.filter(
            patient=patient, kind__in=rules.KINDS, resolved_at__isnull=True
        )
    }
    reviewed = set(
        Flag.objects.filter(
            patient=patient,
            resolved_by__isnull=False,
            kind__in=rules.KINDS,
            cause__in=[r.cause for r in raised],
        ).values_list("kind", "cause")
    )
    for candidate in raised:
        key = (candidate.kind, candidate.cause)
        flag = open_flags.get(key)
        if flag is None and candidate.kind == rules.MISSED_DOSES and key not in reviewed:
            # A newer missed dose moves the open flag rather than adding a second one.
            flag = next((f for (k, _c), f in open_flags.items() if k == rules.MISSED_DOSES), None)
            if flag is not None:
                del open_flags[(flag.kind, flag.cause)]
                open_flags[key] = flag
        if flag is not None:
            _update(flag, candidate)
        elif key not in reviewed:
            open_flags[key] = _raise(patient, candidate, now)
    for (kind, cause), flag in list(open_flags.items()):
        if rules.clears(kind=kind, cause=cause, raised=raised, facts=facts, thresholds=limits):
            flag.resolved_at = now
            flag.resolution_note = str(AUTO_CLEARED[kind])
            flag._change_reason = "cleared"
            flag.save(update_fields=["resolved_at", "resolution_note"])
            del open_flags[(kind, cause)]
    return sorted(open_flags.values(), key=lambda f: (-f.severity, f.raised_at))


def _update(flag: Flag, candidate: rules.RaisedFlag) -> None:
    """Bring an open flag up to date: the reason's words, its severity, and for missed doses
    the newest day (its cause)."""
    new = {
        "reason": candidate.reason[:300],
        "severity": candidate.severity,
        "cause": candidate.cause,
    }
    changed = [name for name, value in new.items() if getattr(flag, name) != value]
    if changed:
        for name in changed:
            setattr(flag, name, new[name])
        flag._change_reason = "updated"
        flag.save(update_fields=changed)


def _raise(patient: Patient, candidate: rules.RaisedFlag, now: datetime) -> Flag:
    flag = Flag(
        patient=patient,
        kind=candidate.kind,
        severity=candidate.severity,
        reason=candidate.reason[:300],
        cause=candidate.cause,
        raised_at=now,
    )
    flag._change_reason = "raised"
    flag.save()
    if flag.severity == Flag.Severity.URGENT:
        _notify_care_team(flag, now)
    return flag


def flags_evaluate_all(*, now: datetime | None = None) -> int:
    """Evaluate every patient who keeps a diary or is on an active regimen, each on their own
    local date and in their own transaction (the hourly task: silent diaries and missed
    doses appear without a save). Returns how many patients were evaluated."""
    from patients.selectors import local_today

    now = now or timezone.now()
    active = Regimen.objects.filter(patient=OuterRef("pk"), status=Regimen.Status.ACTIVE)
    wrote = DiaryEntry.objects.filter(patient=OuterRef("pk"))
    patients = (
        Patient.objects.filter(Exists(active) | Exists(wrote), user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    count = 0
    for patient in patients.iterator(chunk_size=200):
        flags_evaluate(patient=patient, today=local_today(patient), now=now)
        count += 1
    return count


# Reviews -------------------------------------------------------------------------------------


@transaction.atomic
def review_record(
    *,
    patient: Patient,
    reviewed_by: User,
    flags: Iterable[Flag] = (),
    note: str = "",
    now: datetime | None = None,
) -> Review:
    """A provider marks the patient reviewed: the note is kept with who and when, and the
    flags it covers (those shown to the provider, or the ones they ticked) are closed with
    it. A flag someone else closed meanwhile stays as they left it."""
    if reviewed_by.role != Role.PROVIDER:
        raise ValueError("Only providers review patients.")
    now = now or timezone.now()
    note = note.strip()[:500]
    review = Review.objects.create(
        patient=patient, reviewed_by=reviewed_by, reviewed_at=now, note=note
    )
    closing = list(
        Flag.objects.select_for_update().filter(
            pk__in=[f.pk for f in flags], patient=patient, resolved_at__isnull=True
        )
    )
    for flag in closing:
        flag_review(flag=flag, reviewed_by=reviewed_by, note=note, now=now)
    review.flags.set(closing)
    return review
