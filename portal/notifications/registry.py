"""Reminder kinds and sections of the provider's daily digest, registered by the apps that
own them.

This app plans, dispatches and delivers; it does not know what a dose, a step or a diary is.
Each clinical app registers its kinds in its AppConfig.ready(): a kind is any object (usually
a module) with `plan(*, user, prefs, now, until)` returning PlannedReminder rows (optional:
one-off notices have no planner) and `compose(notification)` returning a Message or None,
and optionally `compose_many(notifications)` to write many at once. A digest section is a
function `(*, provider, since, day) -> list[str]` of sentences for the provider's morning
digest.
"""

from collections.abc import Callable

_KINDS: dict[str, object] = {}
_DIGEST_SECTIONS: list[Callable[..., list[str]]] = []


def register_kind(name: str, handler) -> None:
    """Make `handler` plan and compose reminders of kind `name` (a Notification.kind)."""
    if not callable(getattr(handler, "compose", None)):
        raise TypeError(f"reminder kind {name!r} needs a compose(notification) function")
    existing = _KINDS.get(name)
    if existing is not None and existing is not handler:
        raise ValueError(f"reminder kind {name!r} is already registered")
    _KINDS[name] = handler


def kind_handler(name: str):
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no app registered the reminder kind {name!r}") from None


def registered_kinds() -> list[str]:
    return list(_KINDS)


def register_digest_section(section: Callable[..., list[str]]) -> None:
    if section not in _DIGEST_SECTIONS:
        _DIGEST_SECTIONS.append(section)


def digest_sections() -> list[Callable[..., list[str]]]:
    return list(_DIGEST_SECTIONS)
