"""Demo regimens for the demo patients (portal/core/demo.py). Only seed_demo calls this.

Each demo patient gets a regimen in a different state, written through the services with
dates in the past, so the history reads as if it happened:

- patient@example.com: starting (started 3 days ago, 1.5 mg capsules, 30 of them received
  that day: Tonight shows when they run out);
- jordan@example.com (Hashimoto's): mid-titration, the next step due today;
- sam@example.com: held after a moderate insomnia report;
- riley@example.com: on maintenance at 4.5 mg;
- casey@example.com (Percocet on the list): paused because an opioid is needed.
"""

from datetime import timedelta
from decimal import Decimal

from patients.models import Patient
from patients.rules.side_effects import Severity
from patients.services.side_effects import side_effect_report
from portal.accounts.models import User
from portal.lib.timing import local_today
from regimens import safety
from regimens.models import DecisionReason, Protocol, Regimen
from regimens.services.decisions import regimen_advance, regimen_hold, regimen_pause
from regimens.services.start import regimen_start
from regimens.services.supply import supply_fill_record

D = Decimal
LIQUID_1_MG_ML = safety.Formulation(kind=safety.LIQUID, concentration_mg_per_ml=D("1"))
CAPSULES_1_5 = safety.Formulation(kind=safety.CAPSULE, capsule_strengths_mg=(D("1.5"),))
CAPSULES_1_5_AND_4_5 = safety.Formulation(
    kind=safety.CAPSULE, capsule_strengths_mg=(D("1.5"), D("4.5"))
)
WELL = DecisionReason.TOLERATING_WELL


def _protocol(family: str) -> Protocol:
    return Protocol.objects.get(family=family, retired_at__isnull=True)


def _start(patient, provider, family, formulation, days_ago, **extra) -> Regimen:
    today = local_today(patient)
    start_on = today - timedelta(days=days_ago)
    return regimen_start(
        patient=patient,
        protocol=_protocol(family),
        formulation=formulation,
        dose_time="bedtime",
        start_on=start_on,
        started_by=provider,
        today=start_on,
        **extra,
    )


def _advance(regimen, provider, days_ago, dose):
    today = local_today(regimen.patient)
    regimen_advance(
        regimen=regimen,
        dose_mg=D(dose),
        decided_by=provider,
        reason=WELL,
        today=today - timedelta(days=days_ago),
    )


def _starting(patient, provider):
    _start(patient, provider, "clinic-1-5-mg-fortnightly", CAPSULES_1_5, 3)
    today = local_today(patient)
    supply_fill_record(
        patient=patient,
        entered_by=patient.user,
        on=today - timedelta(days=3),
        form=safety.CAPSULE,
        strength_mg=D("1.5"),
        quantity=D(30),
        today=today,
    )


def _mid_titration(patient, provider):
    # 0.5 mg from 28 days ago, 1 mg from 14 days ago: the 1.5 mg step is due today.
    regimen = _start(patient, provider, "sensitive-0-5-mg-fortnightly", LIQUID_1_MG_ML, 28)
    _advance(regimen, provider, 14, "1")


def _held(patient, provider):
    regimen = _start(patient, provider, "ldnrt-1-mg-weekly", LIQUID_1_MG_ML, 10)
    _advance(regimen, provider, 3, "2")
    today = local_today(patient)
    side_effect_report(
        regimen=regimen,
        on=today - timedelta(days=2),
        kind="insomnia",
        severity=Severity.MODERATE,
        entered_by=patient.user,
        note="Awake until 3 am",
    )
    regimen_hold(
        regimen=regimen,
        until=today + timedelta(days=5),
        decided_by=provider,
        reason=DecisionReason.SIDE_EFFECTS,
        today=today - timedelta(days=1),
        note="Stay on 2 mg until the insomnia settles.",
    )


def _maintenance(patient, provider):
    regimen = _start(patient, provider, "clinic-1-5-mg-fortnightly", CAPSULES_1_5_AND_4_5, 40)
    _advance(regimen, provider, 26, "3")
    _advance(regimen, provider, 12, "4.5")


def _paused(patient, provider):
    regimen = _start(
        patient,
        provider,
        "clinic-1-5-mg-fortnightly",
        CAPSULES_1_5,
        20,
        opioid_override_reason="Demo: LDN began before Percocet was prescribed after an injury.",
    )
    regimen_pause(
        regimen=regimen,
        decided_by=provider,
        reason=DecisionReason.OPIOID_NEEDED,
        today=local_today(patient) - timedelta(days=2),
        note="Percocet for a few days after an injury; resume once the washout has passed.",
    )


DEMO_REGIMENS = {
    "patient@example.com": _starting,
    "jordan@example.com": _mid_titration,
    "sam@example.com": _held,
    "riley@example.com": _maintenance,
    "casey@example.com": _paused,
}


def seed_regimens() -> list[Regimen]:
    """Give each demo patient without a regimen one in its demo state. Idempotent: a patient
    who already has any regimen is left as they are."""
    provider = User.objects.get(email="provider@example.com")
    for email, build in DEMO_REGIMENS.items():
        patient = Patient.objects.filter(user__email=email).select_related("user").first()
        if patient is not None and not patient.regimens.exists():
            build(patient, provider)
    return list(Regimen.objects.filter(patient__user__email__in=DEMO_REGIMENS))
