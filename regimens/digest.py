"""The regimens' section of the provider's daily digest: titration decisions due today
(portal.notifications.kinds.digest)."""

from django.utils.translation import ngettext

from regimens.selectors.queue import titration_queue


def decisions_due(*, provider, since, day) -> list[str]:
    count = len(titration_queue(provider=provider, today=day))
    if not count:
        return []
    return [
        ngettext("%(n)d titration decision is due.", "%(n)d titration decisions are due.", count)
        % {"n": count}
    ]
