"""Panels that apps above the patient record add to the provider's record page.

The record (this app) sits below the apps that read it (README, "Layers"), so it does not
import them: an app registers a panel function in its AppConfig.ready(). A panel is
`(*, patient, viewer) -> dict | None`: a dict with "template" (included on the record page)
and whatever that template reads, or None to show nothing.
"""

from collections.abc import Callable

_PANELS: list[Callable[..., dict | None]] = []


def register(panel: Callable[..., dict | None]) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def record_panels(*, patient, viewer) -> list[dict]:
    panels = (panel(patient=patient, viewer=viewer) for panel in _PANELS)
    return [panel for panel in panels if panel]
