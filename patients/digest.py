"""The patient record's section of the provider's daily digest: flags raised since yesterday
on the patients of their care team (portal.notifications.kinds.digest)."""

from django.utils.translation import ngettext

from patients.models import Flag
from patients.selectors.records import visible_patients


def new_flags(*, provider, since, day) -> list[str]:
    count = Flag.objects.filter(
        patient__in=visible_patients(provider), raised_at__gte=since, resolved_at__isnull=True
    ).count()
    if not count:
        return []
    return [
        ngettext(
            "%(n)d new flag on your patients since yesterday.",
            "%(n)d new flags on your patients since yesterday.",
            count,
        )
        % {"n": count}
    ]
