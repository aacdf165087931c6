"""Messaging's section of the provider's daily digest: conversations of their care team
waiting for a reply (portal.notifications.registry). Counts only, never content."""

from django.utils.translation import ngettext

from messaging.selectors.conversations import waiting_for_team


def waiting_messages(*, provider, since, day) -> list[str]:
    waiting = waiting_for_team(provider=provider)
    if not waiting.count:
        return []
    return [
        ngettext(
            "%(n)d conversation is waiting for a reply from the care team (the oldest for "
            "%(wait)s).",
            "%(n)d conversations are waiting for a reply from the care team (the oldest for "
            "%(wait)s).",
            waiting.count,
        )
        % {"n": waiting.count, "wait": waiting.waiting_for}
    ]
