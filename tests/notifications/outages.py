"""The reminders the outage tests deliver: one provider with many due safety notices, one in
ten by e-mail, interleaved, so that every batch the dispatcher claims holds both chunked
in-app sends (notifications.send_many) and e-mail sends (notifications.send).

`seed` also runs in a child process, against a database of the test's own.
"""

from datetime import timedelta

from django.utils import timezone

from patients.services.profile import care_team_add
from portal.notifications.models import Notification
from tests.factories import PatientUserFactory, ProviderFactory
from tests.notifications.factories import safety_flags


def seed(count: int) -> None:
    patient = PatientUserFactory().patient
    provider = ProviderFactory()
    care_team_add(patient=patient, provider=provider, added_by=provider)
    flags = safety_flags(patient, count)
    start = timezone.now() - timedelta(minutes=5)
    Notification.objects.bulk_create(
        Notification(
            recipient=provider,
            kind="safety",
            channel=channel,
            due_at=start + timedelta(milliseconds=i),
            dedupe_key=f"safety:flag:{flag.pk}:{provider.pk}:{channel}",
            context={"flag": flag.pk},
        )
        for i, flag in enumerate(flags)
        for channel in ["email" if i % 10 == 0 else "in_app"]
    )
