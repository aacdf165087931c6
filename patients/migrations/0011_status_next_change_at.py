"""The instant a status row's next change comes (the start of next_change_on in the patient's
time zone), indexed in place of the date: the rows due now are one range in no zone. And
the patient list's order (most serious open flag, then name) as an index."""

from datetime import time

from django.db import migrations, models

from portal.lib.timing import local_to_utc


def backfill(apps, schema_editor):
    PatientStatus = apps.get_model("patients", "PatientStatus")
    rows = PatientStatus.objects.filter(next_change_on__isnull=False).select_related(
        "patient__user"
    )
    batch = []
    for row in rows.iterator(chunk_size=1000):
        row.next_change_at = local_to_utc(row.next_change_on, time.min, row.patient.user.timezone)
        batch.append(row)
        if len(batch) == 1000:
            PatientStatus.objects.bulk_update(batch, ["next_change_at"])
            batch = []
    PatientStatus.objects.bulk_update(batch, ["next_change_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0010_caregiver_reminders"),
        ("regimens", "0008_reason_wording"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="patientstatus",
            name="status_next_change",
        ),
        migrations.AddField(
            model_name="patientstatus",
            name="next_change_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="patientstatus",
            index=models.Index(
                condition=models.Q(("next_change_at__isnull", False)),
                fields=["next_change_at"],
                name="status_next_change_at",
            ),
        ),
        migrations.AddIndex(
            model_name="patientstatus",
            index=models.Index(
                models.OrderBy(models.F("top_severity"), descending=True),
                models.F("sort_name"),
                models.F("patient"),
                name="status_list_order",
            ),
        ),
    ]
