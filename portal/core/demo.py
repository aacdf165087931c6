"""Demo data for trying the portal. Only `manage.py seed_demo` calls this; never production."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from simple_history.utils import bulk_create_with_history

from patients.models import CaregiverGrant, CheckIn, Condition, DiaryEntry, Patient
from patients.services.checkins import checkin_book, checkin_confirm
from patients.services.flags import flags_evaluate
from patients.services.profile import care_team_add, onboarding_complete, patient_create
from portal.accounts.models import Role, User
from portal.accounts.services import user_create
from portal.lib.timing import local_date, local_to_utc, local_today
from portal.notifications.models import Kind
from portal.notifications.services import notify_once, reminders_replan
from regimens.models import DoseLog, Regimen

# A fixed base32 secret so the demo provider and admin can also use an authenticator app.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (demo only)

DEMO_USERS = (
    ("admin@example.com", Role.ADMIN, "Alex Admin", "Europe/London"),
    ("provider@example.com", Role.PROVIDER, "Dr Priya Shah", "America/New_York"),
    ("patient@example.com", Role.PATIENT, "Pat Morgan", "America/New_York"),
    ("caregiver@example.com", Role.CAREGIVER, "Ana Ruiz", "Europe/Madrid"),
)

# The demo provider's patients: (e-mail, name, time zone, condition slugs, medications).
DEMO_PATIENTS = (
    (
        "patient@example.com",
        "Pat Morgan",
        "America/New_York",
        ["fibromyalgia"],
        ["Duloxetine 30 mg daily", "Vitamin D 1000 IU"],
    ),
    (
        "jordan@example.com",
        "Jordan Blake",
        "Europe/London",
        ["hashimotos"],
        ["Levothyroxine 75 mcg each morning"],
    ),
    (
        "sam@example.com",
        "Sam Rivera",
        "America/Chicago",
        ["multiple-sclerosis"],
        ["Baclofen 10 mg three times a day"],
    ),
    ("riley@example.com", "Riley Chen", "Australia/Sydney", ["crohns"], ["Mesalamine 800 mg"]),
    (
        "casey@example.com",
        "Casey Doyle",
        "America/New_York",
        ["rheumatoid-arthritis"],
        ["Methotrexate 15 mg weekly", "Percocet 5/325 as needed"],
    ),
)


@dataclass
class DemoLogin:
    email: str
    role: str
    recovery_codes: list[str]


def demo_user(*, email: str, role: str, name: str, timezone: str, password: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(
            email=email,
            role=role,
            name=name,
            timezone_name=timezone,
            password=password,
            email_verified=True,
        )
    else:
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return user


def demo_mfa(user: User) -> list[str]:
    """Enrol TOTP (with the demo secret) and recovery codes; return the unused codes."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    return RecoveryCodes.activate(user).get_unused_codes()


def seed_accounts(*, password: str) -> list[DemoLogin]:
    logins = []
    for email, role, name, timezone in DEMO_USERS:
        user = demo_user(email=email, role=role, name=name, timezone=timezone, password=password)
        codes = demo_mfa(user) if role in (Role.PROVIDER, Role.ADMIN) else []
        logins.append(DemoLogin(email=email, role=role, recovery_codes=codes))
    return logins


def seed_patients(*, password: str) -> list[Patient]:
    """Onboarded patients with conditions and medications on the demo provider's team."""
    provider = User.objects.get(email="provider@example.com")
    patients = []
    for email, name, timezone, slugs, medications in DEMO_PATIENTS:
        user = demo_user(
            email=email, role=Role.PATIENT, name=name, timezone=timezone, password=password
        )
        patient = patient_create(user=user)
        care_team_add(patient=patient, provider=provider, added_by=provider)
        if not patient.is_onboarded:
            onboarding_complete(
                patient=patient,
                date_of_birth=date(1970 + len(name), 3, 14),
                timezone_name=timezone,
                bedtime=time(22, 30),
                conditions=list(Condition.objects.filter(slug__in=slugs)),
                other_condition="",
                pharmacy_name="Riverside Compounding Pharmacy",
                pharmacy_phone="+1 555 010 0200",
                medications=medications,
            )
        patients.append(patient)
    seed_caregiver()
    return patients


def seed_caregiver() -> None:
    """The demo caregiver keeps Pat Morgan's diary and sees the plan (as if invited)."""
    patient = Patient.objects.get(user__email="patient@example.com")
    caregiver = User.objects.get(email="caregiver@example.com")
    CaregiverGrant.objects.get_or_create(
        patient=patient,
        caregiver=caregiver,
        ended_at=None,
        defaults={
            "can_see_plan": True,
            "can_keep_diary": True,
            "since": patient.onboarded_at,
            "granted_by": patient.user,
        },
    )


# Reminders --------------------------------------------------------------------------------

DEMO_REMINDER_DELAY = timedelta(seconds=60)
OPEN_CHECKINS = (
    CheckIn.Status.BOOKED,
    CheckIn.Status.CONFIRMED,
    CheckIn.Status.RESCHEDULE_REQUESTED,
)


def seed_checkins(*, now: datetime) -> None:
    """Check-ins with the demo provider: Pat Morgan's waits for confirmation, Jordan Blake's
    is confirmed. Idempotent: a patient with an open check-in is left as they are."""

    provider = User.objects.get(email="provider@example.com")
    for email, days, confirm in (
        ("patient@example.com", 2, False),
        ("jordan@example.com", 1, True),
    ):
        patient = Patient.objects.filter(user__email=email).first()
        if patient is None or patient.checkins.filter(status__in=OPEN_CHECKINS).exists():
            continue
        day = local_date(now, provider.timezone) + timedelta(days=days)
        checkin = checkin_book(
            patient=patient,
            provider=provider,
            starts_at=local_to_utc(day, time(10, 0), provider.timezone),
            kind="video",
            booked_by=provider,
            now=now,
        )
        if confirm:
            checkin_confirm(checkin=checkin, now=now)


def seed_reminders(*, now: datetime) -> datetime:
    """Plan every demo account's reminders, and a one-off "tonight's dose" reminder for
    patient@example.com due a minute from now, in the portal and by e-mail, so a trial run
    shows one arrive: beat's dispatcher hands it to the worker, which composes it like any
    dose reminder (it names the demo patient's dose; it is skipped if the day's dose is
    already marked taken). Returns when it is due."""

    demo_emails = [email for email, *_rest in DEMO_USERS] + [p[0] for p in DEMO_PATIENTS]
    for user in User.objects.filter(email__in=demo_emails, is_active=True):
        reminders_replan(user=user, now=now)
    patient = User.objects.get(email="patient@example.com")
    due = now + DEMO_REMINDER_DELAY
    notify_once(
        recipient=patient,
        kind=Kind.DOSE,
        key=f"demo:dose:{patient.pk}:{due.isoformat()}",
        context={"date": local_date(due, patient.timezone).isoformat()},
        due_at=due,
    )
    return due


# Symptom diaries ----------------------------------------------------------------------------

DIARY_DAYS = 60


def _demo_diary_day(email: str, ago: int, on_ldn: bool, rng) -> dict:
    """One believable day of a demo patient's diary, `ago` days before today."""

    def score(mean: float) -> int:
        return max(0, min(10, round(mean + rng.gauss(0, 0.8))))

    values = {
        "pain": score(6),
        "fatigue": score(5.5),
        "sleep_quality": score(6),
        "mood": score(6),
        **dict.fromkeys(("vivid_dreams", "insomnia", "headache", "nausea"), 0),
    }
    if on_ldn and rng.random() < 0.15:
        values["vivid_dreams"] = 1
    if email == "sam@example.com" and ago <= 3:
        # Insomnia since the step up to 2 mg three days ago, lasting: the care team is told.
        values.update(insomnia=2, sleep_quality=score(3), vivid_dreams=1, fatigue=score(7))
    elif email == "riley@example.com":
        # A responder: pain about 6 before LDN, about 3 over the last two weeks.
        weeks_on = max(0, 40 - ago) / 7
        values["pain"] = score(6 - min(weeks_on, 4) * 0.8)
        values["stools_per_day"] = max(1, round(6 - min(weeks_on, 4) * 0.7 + rng.gauss(0, 0.7)))
    elif email == "jordan@example.com":
        values["heat_intolerance"] = values["tremor"] = values["anxiety"] = 0
        values["palpitations"] = 2 if ago == 12 else 0
    elif email == "casey@example.com" and ago == 10:
        values["nausea"] = 3
    return values


def seed_diaries() -> int:
    """60 days of diary for the demo patients, lined up with their demo regimens
    (regimens/demo.py): Sam's insomnia after the step up to 2 mg, Riley's pain falling from
    about 6 to about 3 (a responder), Jordan (Hashimoto's) who stopped writing 9 days ago
    after palpitations, Casey's missed doses and severe nausea before the pause, and Pat, who
    starts LDN with a baseline to compare against. Idempotent: days already written are kept;
    the flags are evaluated afterwards. Returns how many entries were added."""

    added = 0
    for email, *_rest in DEMO_PATIENTS:
        patient = Patient.objects.filter(user__email=email).select_related("user").first()
        if patient is None:
            continue
        today = local_today(patient)
        rng = random.Random(f"{email}:{today.isoformat()}")
        regimen = Regimen.objects.filter(patient=patient).order_by("-started_on").first()
        written = set(patient.diary_entries.values_list("local_date", flat=True))
        # Jordan stopped writing 9 days ago; Pat's today is left for trying the diary.
        last_day = {"jordan@example.com": 9, "patient@example.com": 1}.get(email, 0)
        zone = ZoneInfo(patient.user.timezone)
        entries = []
        for ago in range(DIARY_DAYS, last_day - 1, -1):
            day = today - timedelta(days=ago)
            if day in written:
                continue
            on_ldn = regimen is not None and day >= regimen.started_on
            at = datetime.combine(day, time(21, 0), tzinfo=zone)
            entries.append(
                DiaryEntry(
                    patient=patient,
                    local_date=day,
                    entered_by=patient.user,
                    created_at=at,
                    updated_at=at,
                    **_demo_diary_day(email, ago, on_ldn, rng),
                )
            )
        bulk_create_with_history(entries, DiaryEntry, default_change_reason="demo")
        added += len(entries)
        if regimen is not None:
            _demo_dose_logs(patient, regimen, today)
        flags_evaluate(patient=patient, today=today)
    return added


def _demo_dose_logs(patient, regimen, today) -> None:
    """Doses marked taken on each day the regimen ran up to yesterday (Casey missed three in
    the week before the pause). Written directly: the dose-log service logs only today-ish
    days of an active regimen, and Casey's is paused."""

    steps = sorted((s for s in regimen.steps.all() if s.started_on), key=lambda s: s.started_on)
    missed = {3, 5, 6} if patient.user.email == "casey@example.com" else set()
    last = (regimen.paused_on or regimen.ended_on or today) - timedelta(days=1)
    day = regimen.started_on
    while day <= last:
        dose = next((s.dose_mg for s in reversed(steps) if s.started_on <= day), None)
        if dose is not None:
            ago = (today - day).days
            DoseLog.objects.get_or_create(
                regimen=regimen,
                on=day,
                defaults={
                    "status": DoseLog.Status.MISSED if ago in missed else DoseLog.Status.TAKEN,
                    "dose_mg": dose,
                    "recorded_by": patient.user,
                    "recorded_at": datetime.combine(
                        day, time(22, 30), tzinfo=ZoneInfo(patient.user.timezone)
                    ),
                },
            )
        day += timedelta(days=1)
