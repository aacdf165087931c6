"""Demo data for trying the portal. Only `manage.py seed_demo` calls this; never production."""

from dataclasses import dataclass
from datetime import date, time

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP

from patients.models import Condition, Patient
from patients.services import care_team_add, onboarding_complete, patient_create
from portal.accounts.models import Role, User
from portal.accounts.services import user_create

# A fixed base32 secret so the demo provider and admin can also use an authenticator app.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (demo only)

DEMO_USERS = (
    ("admin@example.com", Role.ADMIN, "Alex Admin", "Europe/London"),
    ("provider@example.com", Role.PROVIDER, "Dr Priya Shah", "America/New_York"),
    ("patient@example.com", Role.PATIENT, "Pat Morgan", "America/New_York"),
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
    return patients
