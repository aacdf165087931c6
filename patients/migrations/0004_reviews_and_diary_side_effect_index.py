# Reviews (a provider marks a patient reviewed, closing the flags shown), and an index on the
# days with a side effect for the triage queue.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0003_diary_pgic_checkins_flag_kinds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Review',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reviewed_at', models.DateTimeField()),
                ('note', models.CharField(blank=True, max_length=500, verbose_name='review note')),
            ],
            options={
                'verbose_name': 'review',
                'ordering': ['-reviewed_at', '-pk'],
            },
        ),
        migrations.AddIndex(
            model_name='diaryentry',
            index=models.Index(condition=models.Q(('vivid_dreams__gte', 1), ('insomnia__gte', 1), ('headache__gte', 1), ('nausea__gte', 1), ('other_effect__gte', 1), ('palpitations__gte', 1), ('tremor__gte', 1), ('heat_intolerance__gte', 1), ('anxiety__gte', 1), _connector='OR'), fields=['local_date'], name='diary_day_with_side_effect'),
        ),
        migrations.AddField(
            model_name='review',
            name='flags',
            field=models.ManyToManyField(blank=True, related_name='reviews', to='patients.flag'),
        ),
        migrations.AddField(
            model_name='review',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reviews', to='patients.patient'),
        ),
        migrations.AddField(
            model_name='review',
            name='reviewed_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='review',
            index=models.Index(fields=['patient', '-reviewed_at'], name='patients_re_patient_d6c4e4_idx'),
        ),
    ]
