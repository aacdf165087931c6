"""Seed the condition catalogue with the conditions LDN is studied or used for.

Codes are SNOMED CT concept ids; admins can correct or extend them in the Django admin.
"""

from django.db import migrations

CONDITIONS = [
    # (slug, name, code system, code, thyroid)
    ("multiple-sclerosis", "Multiple sclerosis", "snomed", "24700007", False),
    ("rheumatoid-arthritis", "Rheumatoid arthritis", "snomed", "69896004", False),
    ("hashimotos", "Hashimoto's thyroiditis", "snomed", "21983002", True),
    ("crohns", "Crohn's disease", "snomed", "34000006", False),
    ("ulcerative-colitis", "Ulcerative colitis", "snomed", "64766004", False),
    ("lupus", "Systemic lupus erythematosus", "snomed", "55464009", False),
    ("psoriasis", "Psoriasis", "snomed", "9014002", False),
    ("psoriatic-arthritis", "Psoriatic arthritis", "snomed", "33339001", False),
    ("fibromyalgia", "Fibromyalgia", "snomed", "203082005", False),
    (
        "neuropathy",
        "Neuropathy, including painful diabetic neuropathy",
        "snomed",
        "302226006",
        False,
    ),
    ("crps", "Complex regional pain syndrome", "snomed", "128200000", False),
    (
        "insulin-resistance",
        "Insulin resistance, prediabetes or type 2 diabetes",
        "snomed",
        "714628002",
        False,
    ),
    ("other", "Other", "", "", False),
]


def seed(apps, schema_editor):
    Condition = apps.get_model("patients", "Condition")
    for order, (slug, name, system, code, thyroid) in enumerate(CONDITIONS):
        Condition.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "code_system": system,
                "code": code,
                "is_thyroid": thyroid,
                "sort_order": (order + 1) * 10,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("patients", "Condition").objects.filter(
        slug__in=[row[0] for row in CONDITIONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_patients_care_teams_medications_flags")]

    operations = [migrations.RunPython(seed, unseed)]
