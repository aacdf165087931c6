# Side-effect reports belong to the patient record with the diary: the model moves to the
# patients app. Its table and history table stay as they are (state only here).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("regimens", "0003_checkin_rule"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalSideEffectReport"),
                migrations.DeleteModel(name="SideEffectReport"),
            ],
            database_operations=[],
        )
    ]
