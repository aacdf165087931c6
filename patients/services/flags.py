"""Flags: raising them (with the care team's safety notice for an urgent one), keeping the
rule-based ones in line with the rules (patients.rules.flags) and closing them on review.

flags_evaluate runs after every write that can change what the rules see (a diary day, a
side-effect report, a dose logged) and hourly for everyone, so silent diaries and missed
doses appear without a save.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from patients.models import Flag, Medication, Patient
from patients.rules import flags as rules
from patients.rules.medications import opioid_blocks
from patients.selectors.side_effects import days_of, side_effect_days
from patients.status import ClinicalPicture, history_record, status_refresh
from patients.treatment import treatment
from portal.accounts.models import User
from portal.lib.language import in_portal_language
from portal.lib.timing import local_today
from portal.notifications.models import Kind
from portal.notifications.services import notify_now

# How far back flags_evaluate reads side effects for one lasting after a step up.
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


def notify_care_team(flag: Flag, now: datetime) -> None:
    """An urgent flag is a safety notice to every provider on the care team."""
    for membership in flag.patient.memberships.filter(until__isnull=True).select_related(
        "provider"
    ):
        notify_now(
            recipient=membership.provider,
            kind=Kind.SAFETY,
            key=f"safety:flag:{flag.pk}:{membership.provider_id}",
            context={"flag": flag.pk},
            now=now,
        )


def flag_raise(
    *,
    patient: Patient,
    kind: str,
    severity: int,
    reason: str,
    cause: str,
    now: datetime,
    medication: Medication | None = None,
) -> Flag:
    """Open a flag; an urgent one is sent to the care team as a safety notice at once."""
    flag = Flag(
        patient=patient,
        kind=kind,
        severity=severity,
        reason=reason[:300],
        cause=cause,
        medication=medication,
        raised_at=now,
    )
    flag._change_reason = "raised"
    flag.save()
    if flag.severity == Flag.Severity.URGENT:
        notify_care_team(flag, now)
    return flag


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


def missed_since(today: date, limits: rules.Thresholds) -> date:
    """The first day of the window the missed-doses rule counts."""
    return today - timedelta(days=limits.missed_window_days - 1)


def side_effects_since(today: date, limits: rules.Thresholds, step_up_on: date | None) -> date:
    """The first day whose side effects the rules look at: the lookback, or the current
    dose's first day when it was a step up (a lasting side effect), within 90 days."""
    since = today - timedelta(days=limits.lookback_days)
    if step_up_on is not None:
        since = max(min(since, step_up_on), today - timedelta(days=LASTING_MAX_DAYS_BACK))
    return since


def _rule_days(days) -> list[rules.DiaryDay]:
    return [
        rules.DiaryDay(
            day=day.day, severities=day.severities, other_text=day.other_text, sources=day.sources
        )
        for day in days
    ]


def flag_facts_of(picture: ClinicalPicture, limits: rules.Thresholds) -> rules.Facts:
    """flag_facts from a clinical picture already read (a diary save): no query."""
    today, facts = picture.today, picture.treatment
    since = side_effects_since(today, limits, facts.step_up_on)
    last_entry_on = picture.last_diary_on
    return rules.Facts(
        today=today,
        days=_rule_days(days_of(picture.side_effects(since, today))),
        last_entry_on=last_entry_on,
        regimen_started_on=facts.regimen_started_on,
        step_up_on=facts.step_up_on,
        missed_dose_days=facts.missed_dose_days,
        thyroid_patient=picture.thyroid_patient,
    )


def flag_facts(*, patient: Patient, today: date, limits: rules.Thresholds) -> rules.Facts:
    """What the flag rules need to know about the patient today, in a few queries: the side
    effects of every source (patients.selectors.side_effects), the diary's last day, the
    treatment's facts (patients.treatment) and whether the patient is a thyroid patient."""
    facts = treatment().facts(
        patient=patient, today=today, missed_since=missed_since(today, limits)
    )
    since = side_effects_since(today, limits, facts.step_up_on)
    days = _rule_days(side_effect_days(patient=patient, first=since, last=today))
    last_entry_on = patient.diary_entries.filter(local_date__lte=today).aggregate(
        last=Max("local_date")
    )["last"]
    thyroid = (
        Patient.objects.filter(pk=patient.pk)
        .filter(
            Q(conditions__is_thyroid=True)
            | Q(medications__is_thyroid_hormone=True, medications__stopped_on__isnull=True)
        )
        .exists()
    )
    return rules.Facts(
        today=today,
        days=days,
        last_entry_on=last_entry_on,
        regimen_started_on=facts.regimen_started_on,
        step_up_on=facts.step_up_on,
        missed_dose_days=facts.missed_dose_days,
        thyroid_patient=thyroid,
    )


@in_portal_language
@transaction.atomic(savepoint=False)  # a part of the save that called it, or its own
def flags_evaluate(
    *,
    patient: Patient,
    today: date,
    now: datetime | None = None,
    refresh_status: bool = True,
    picture: ClinicalPicture | None = None,
) -> list[Flag]:
    """Open, update and clear the patient's diary flags to match the rules today (the
    patient's local date). Returns the diary flags open afterwards. The patient's status
    row is refreshed afterwards; with `refresh_status=False` (the hourly sweep, where nothing
    else changed) only when a flag did.

    One open flag per kind and cause. A flag a provider reviewed is not raised again for the
    same cause; a new missed dose moves the open missed-doses flag to the newest day. An
    urgent flag sends the care team a safety notice (as an opioid on the list does). The
    opioid flag is patients.services' and is left alone.

    `picture` (a save's ClinicalPicture, read under the patient's lock in this transaction
    and brought up to date with what the save wrote) spares the reads: the rules' facts come
    from it, and it is handed on to the status refresh with the open flags of every kind.
    """
    now = now or timezone.now()
    limits = thresholds()
    if picture is None:
        Patient.objects.select_for_update().filter(pk=patient.pk).first()  # one at a time
        facts = flag_facts(patient=patient, today=today, limits=limits)
    else:
        facts = flag_facts_of(picture, limits)
    raised = rules.evaluate(facts, limits)
    # The open flags, the reviewed ones of the causes raised now and the open opioid flags,
    # in one read (with a picture, every open flag: the status row counts them).
    reviewed_now = Q(
        kind__in=rules.KINDS, resolved_by__isnull=False, cause__in=[r.cause for r in raised]
    )
    if picture is None:
        wanted = (
            Q(kind__in=rules.KINDS, resolved_at__isnull=True)
            | reviewed_now
            | Q(kind=Flag.Kind.OPIOID, resolved_at__isnull=True, medication__isnull=False)
        )
    else:
        wanted = Q(resolved_at__isnull=True) | reviewed_now
    open_flags, reviewed, opioid_flags, others = {}, set(), [], []
    for f in Flag.objects.filter(patient=patient).filter(wanted).select_related("medication"):
        if f.kind == Flag.Kind.OPIOID and f.resolved_at is None and f.medication_id is not None:
            opioid_flags.append(f)
            continue
        if f.kind not in rules.KINDS:
            others.append(f)  # open, of a kind the rules leave alone
            continue
        if f.resolved_at is None:
            open_flags[(f.kind, f.cause)] = f
        if f.resolved_by_id is not None:
            reviewed.add((f.kind, f.cause))
    changed = False
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
            changed = _update(flag, candidate) or changed
        elif key not in reviewed:
            open_flags[key] = _raise(patient, candidate, now)
            changed = True
    for (kind, cause), flag in list(open_flags.items()):
        if rules.clears(kind=kind, cause=cause, raised=raised, facts=facts, thresholds=limits):
            flag.resolved_at = now
            flag.resolution_note = str(AUTO_CLEARED[kind])
            flag._change_reason = "cleared"
            flag.save(update_fields=["resolved_at", "resolution_note"])
            del open_flags[(kind, cause)]
            changed = True
    changed = _close_opioid_flags_after_washout(opioid_flags, today, now) or changed
    if picture is not None:
        picture.open_flags = [
            *open_flags.values(),
            *(f for f in opioid_flags if f.resolved_at is None),
            *others,
        ]
    if changed or refresh_status:
        status_refresh(patient=patient, now=now, picture=picture)
    return sorted(open_flags.values(), key=lambda f: (-f.severity, f.raised_at))


def opioid_still_blocks(medication: Medication, today: date) -> bool:
    """An opioid blocks LDN while it is taken and until its washout ends (the one count of
    patients.rules.medications)."""
    if medication.screening != Medication.Screening.BLOCK:
        return False
    return medication.stopped_on is None or opioid_blocks(
        started_on=None,
        stopped_on=medication.stopped_on,
        washout_days=medication.washout_days,
        today=today,
    )


def _close_opioid_flags_after_washout(flags: list[Flag], today: date, now: datetime) -> bool:
    """An opioid's flag (of the patient's open ones, with their medication) closes by itself
    once its washout is over (a review only acknowledges it before then). True when one
    closed."""
    closed = False
    for flag in flags:
        medication = flag.medication
        if medication.screening == Medication.Screening.BLOCK and not opioid_still_blocks(
            medication, today
        ):
            flag.resolved_at = now
            flag.resolution_note = str(
                gettext_lazy("The opioid was stopped and its washout is over.")
            )
            flag._change_reason = "washout over"
            flag.save(update_fields=["resolved_at", "resolution_note"])
            closed = True
    return closed


def _update(flag: Flag, candidate: rules.RaisedFlag) -> bool:
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
    return bool(changed)


def _raise(patient: Patient, candidate: rules.RaisedFlag, now: datetime) -> Flag:
    return flag_raise(
        patient=patient,
        kind=candidate.kind,
        severity=candidate.severity,
        reason=candidate.reason,
        cause=candidate.cause,
        now=now,
    )


def flags_evaluate_all(*, now: datetime | None = None) -> int:
    """Evaluate every onboarded patient with an active account, each on their own local date
    and in their own transaction (the hourly task: silent diaries and missed doses appear
    without a save). Returns how many patients were evaluated."""
    now = now or timezone.now()
    patients = (
        Patient.objects.filter(onboarded_at__isnull=False, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    count = 0
    for patient in patients.iterator(chunk_size=200):
        flags_evaluate(patient=patient, today=local_today(patient), now=now, refresh_status=False)
        count += 1
    return count


@transaction.atomic
def flag_review(*, flag: Flag, reviewed_by: User, note: str = "", now=None) -> Flag:
    """A provider has looked at the flag: close it, keeping who, when and the note. An
    opioid's flag cannot be closed while the opioid still blocks LDN (taken, or inside its
    washout): the review acknowledges it (who, when, note) and the patient stays marked."""
    now = now or timezone.now()
    flag_close_or_acknowledge(flag, reviewed_by, note, now)
    status_refresh(patient=flag.patient, now=now)
    return flag


def flag_close_or_acknowledge(flag: Flag, reviewed_by: User, note: str, now: datetime) -> None:
    """Close a reviewed flag, or acknowledge an opioid's flag while the opioid still blocks
    LDN. The caller refreshes the patient's status afterwards."""
    if flag.resolved_at is not None:
        return
    note = note.strip()[:500]
    blocking = (
        flag.kind == Flag.Kind.OPIOID
        and flag.medication is not None
        and (opioid_still_blocks(flag.medication, local_today(flag.patient)))
    )
    if blocking:
        flag.acknowledged_at, flag.acknowledged_by, flag.acknowledgement_note = (
            now,
            reviewed_by,
            note,
        )
        flag._change_reason = "acknowledged"
        flag.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])
        history_record(
            patient=flag.patient,
            event="acknowledged",
            actor=reviewed_by,
            note=note or flag.reason,
            now=now,
        )
        return
    flag.resolved_at, flag.resolved_by, flag.resolution_note = now, reviewed_by, note
    flag._change_reason = "reviewed"
    flag.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])


@in_portal_language
def flag_dose_during_pause(*, patient: Patient, day: date, reason: str, now: datetime) -> Flag:
    """LDN was taken on a day it should not have been (an opioid, its washout, or a pause):
    an urgent flag and safety notice, and any acknowledged opioid flag is raised again."""
    for flag in Flag.objects.filter(
        patient=patient, kind=Flag.Kind.OPIOID, resolved_at__isnull=True
    ).exclude(acknowledged_at=None):
        flag.acknowledged_at, flag.acknowledged_by, flag.acknowledgement_note = None, None, ""
        flag._change_reason = "raised again: a dose was taken"
        flag.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])
    cause = f"dose:{day.isoformat()}"
    open_flag = Flag.objects.filter(
        patient=patient, kind=Flag.Kind.DOSE_DURING_PAUSE, cause=cause, resolved_at__isnull=True
    ).first()
    if open_flag is not None:
        return open_flag
    return flag_raise(
        patient=patient,
        kind=Flag.Kind.DOSE_DURING_PAUSE,
        severity=Flag.Severity.URGENT,
        reason=reason,
        cause=cause,
        now=now,
    )
