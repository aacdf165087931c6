"""The regimens' sections of the provider's daily digest: titration decisions due today and
refill requests waiting (portal.notifications.kinds.digest)."""

from django.utils.translation import ngettext

from patients.selectors.records import visible_patients
from regimens.models import RefillRequest
from regimens.selectors.queue import titration_count
from regimens.services.status import statuses_refresh_due


def decisions_due(*, provider, since, day) -> list[str]:
    statuses_refresh_due(patients=visible_patients(provider))
    count = titration_count(provider=provider)
    if not count:
        return []
    return [
        ngettext("%(n)d titration decision is due.", "%(n)d titration decisions are due.", count)
        % {"n": count}
    ]


def refills_waiting(*, provider, since, day) -> list[str]:
    count = RefillRequest.objects.filter(
        patient__in=visible_patients(provider), status=RefillRequest.Status.OPEN
    ).count()
    if not count:
        return []
    return [
        ngettext("%(n)d refill request is waiting.", "%(n)d refill requests are waiting.", count)
        % {"n": count}
    ]
