"""Seed the titration protocols of docs/clinical-rules.md §3.1, each with its source.

Target and ceiling are 4.5 mg. Where the source's target is "the maximum tolerated dose",
the ceiling stays 4.5 mg (within LDN_MAX_MG) and the note says so: going higher is the
provider's explicit decision. The tolerance window is 7 days ([design]; Kresser: wait until
side effects pass plus 3-5 days). Every step needs a provider's approval.
"""

from decimal import Decimal

from django.db import migrations

D = Decimal
PROTOCOLS = [
    {
        "family": "clinic-1-5-mg-fortnightly",
        "name": "Common clinic schedule: 1.5 mg steps every 14 days",
        "start_mg": D("1.5"),
        "step_mg": D("1.5"),
        "interval_days": 14,
        "target_mg": D("4.5"),
        "ceiling_mg": D("4.5"),
        "source": (
            "Common clinic schedule: 1.5 mg at bedtime, then 3 mg, then 4.5 mg, 7-14 days per "
            "step (Lavender Sky Health naltrexone summary)"
        ),
        "source_url": "https://lavenderskyhealth.com/rx-summaries/naltrexone",
        "note": "Works with 1.5 mg capsules. The source allows 7 to 14 days per step.",
    },
    {
        "family": "ldnrt-1-mg-weekly",
        "name": "1 mg, plus 1 mg weekly to 4.5 mg",
        "start_mg": D("1"),
        "step_mg": D("1"),
        "interval_days": 7,
        "target_mg": D("4.5"),
        "ceiling_mg": D("4.5"),
        "source": (
            "LDN Research Trust pharmacist (Dickson): most autoimmune and pain conditions, "
            "1 mg liquid or sublingual, +1 mg weekly, 4.5 mg by week 5"
        ),
        "source_url": (
            "https://ldnresearchtrust.org/"
            "can-you-talk-through-starting-dose-and-titration-low-dose-naltrexone-ldn"
        ),
        "note": "1 mg steps need a liquid or drops (or 1 mg capsules).",
    },
    {
        "family": "sensitive-0-5-mg-fortnightly",
        "name": "Sensitive patients: 0.5 mg, plus 0.5 mg every 14 days",
        "start_mg": D("0.5"),
        "step_mg": D("0.5"),
        "interval_days": 14,
        "target_mg": D("4.5"),
        "ceiling_mg": D("4.5"),
        "source": (
            "LDN Research Trust: drug-sensitive patients (ME/CFS, long COVID; Dickson) and "
            "Hashimoto's (increases no more often than every 2 weeks): 0.5 mg, +0.5 mg every "
            "2 weeks to the maximum tolerated dose"
        ),
        "source_url": (
            "https://ldnresearchtrust.org/when-start-and-stop-low-dose-naltrexone-ldn-and-after-surgery"
        ),
        "note": (
            "For drug-sensitive patients, Hashimoto's or thyroid hormone. The source's target is "
            "the maximum tolerated dose: the plan stops at 4.5 mg and going higher is your "
            "decision. On thyroid hormone: LDN may lower the thyroid dose needed; review TSH "
            "and free T4 and watch for palpitations, tremor or heat intolerance."
        ),
    },
    {
        "family": "ldnrt-webinar-0-5-mg-weekly",
        "name": "0.5 mg, plus 0.5 mg weekly",
        "start_mg": D("0.5"),
        "step_mg": D("0.5"),
        "interval_days": 7,
        "target_mg": D("4.5"),
        "ceiling_mg": D("4.5"),
        "source": (
            "LDN Research Trust webinar (pharmacists Denison and Jones): 0.5 mg, +0.5 mg every "
            "7 days; the target varies"
        ),
        "source_url": "https://ldnresearchtrust.org/low-dose-naltrexone-ldn-titration",
        "note": (
            "Many patients need less than 4.5 mg: set maintenance at the dose that works. "
            "0.5 mg steps need a liquid or drops."
        ),
    },
]


def seed(apps, schema_editor):
    Protocol = apps.get_model("regimens", "Protocol")
    for values in PROTOCOLS:
        if not Protocol.objects.filter(family=values["family"]).exists():
            Protocol.objects.create(
                version=1, tolerance_window_days=7, requires_approval=True, **values
            )


def unseed(apps, schema_editor):
    Protocol = apps.get_model("regimens", "Protocol")
    Protocol.objects.filter(
        family__in=[p["family"] for p in PROTOCOLS], regimens__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("regimens", "0001_protocols_regimens_steps_dose_log_calendar")]

    operations = [migrations.RunPython(seed, unseed)]
