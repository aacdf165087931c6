"""The patient's clinical picture is refreshed by every service that changes it, in the same
transaction: `status_refresh(patient=...)`.

What the picture holds is worked out by the apps that know it: the treatment (regimens)
registers its refresher when the portal starts (regimens.apps), so the patient record's
services can ask for a refresh without importing regimens (README, "Layers").
"""

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from portal.lib.language import in_portal_language

_REFRESHERS: list[Callable[..., None]] = []


def register_refresher(refresher: Callable[..., None]) -> None:
    """`refresher(*, patient, now)` brings PatientStatus and what follows from it up to date."""
    if refresher not in _REFRESHERS:
        _REFRESHERS.append(refresher)


@in_portal_language
def status_refresh(*, patient, now: datetime | None = None) -> None:
    now = now or timezone.now()
    for refresher in _REFRESHERS:
        refresher(patient=patient, now=now)


_HISTORY_WRITERS: list[Callable[..., None]] = []


def register_history_writer(writer: Callable[..., None]) -> None:
    """`writer(*, patient, event, actor, note, now)` adds a line to the history people read
    (the treatment's plan history), e.g. when a provider acknowledges an opioid flag."""
    if writer not in _HISTORY_WRITERS:
        _HISTORY_WRITERS.append(writer)


def history_record(*, patient, event: str, actor, note: str = "", now=None) -> None:
    now = now or timezone.now()
    for writer in _HISTORY_WRITERS:
        writer(patient=patient, event=event, actor=actor, note=note, now=now)
