# Side-effect reports move here from the regimens app, keeping their tables
# (regimens_sideeffectreport and its history): the state moves, no row does.

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

KINDS = [
    ("vivid_dreams", "Vivid dreams or nightmares"),
    ("insomnia", "Trouble sleeping"),
    ("headache", "Headache"),
    ("nausea", "Nausea or stomach upset"),
    ("other", "Another side effect"),
]
SEVERITIES = [(1, "Mild"), (2, "Moderate"), (3, "Severe")]


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0004_reviews_and_diary_side_effect_index"),
        ("regimens", "0004_side_effect_reports_move_to_patients"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SideEffectReport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("on", models.DateField(verbose_name="day")),
                        (
                            "kind",
                            models.CharField(
                                choices=KINDS, max_length=16, verbose_name="side effect"
                            ),
                        ),
                        (
                            "severity",
                            models.PositiveSmallIntegerField(
                                choices=SEVERITIES, verbose_name="how bad"
                            ),
                        ),
                        ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "entered_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "patient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="side_effect_reports",
                                to="patients.patient",
                            ),
                        ),
                        (
                            "regimen",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="side_effects",
                                to="regimens.regimen",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "side-effect report",
                        "ordering": ["-on", "-pk"],
                        "db_table": "regimens_sideeffectreport",
                        "indexes": [
                            models.Index(
                                fields=["regimen", "on"], name="regimens_si_regimen_db1f12_idx"
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("severity__in", [1, 2, 3])),
                                name="side_effect_severity_valid",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("kind__in", ["insomnia", "vivid_dreams", "headache", "nausea", "other"])
                                ),
                                name="side_effect_kind_valid",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalSideEffectReport",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        ("on", models.DateField(verbose_name="day")),
                        (
                            "kind",
                            models.CharField(
                                choices=KINDS, max_length=16, verbose_name="side effect"
                            ),
                        ),
                        (
                            "severity",
                            models.PositiveSmallIntegerField(
                                choices=SEVERITIES, verbose_name="how bad"
                            ),
                        ),
                        ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "entered_by",
                            models.ForeignKey(
                                blank=True, db_constraint=False, null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+", to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True, on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+", to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "patient",
                            models.ForeignKey(
                                blank=True, db_constraint=False, null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+", to="patients.patient",
                            ),
                        ),
                        (
                            "regimen",
                            models.ForeignKey(
                                blank=True, db_constraint=False, null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+", to="regimens.regimen",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical side-effect report",
                        "verbose_name_plural": "historical side-effect reports",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "db_table": "regimens_historicalsideeffectreport",
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
            ],
            database_operations=[],
        ),
    ]
