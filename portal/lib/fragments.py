"""List rows rendered once and kept under a digest of everything they show.

The care team's lists (triage, the titration queue) show 20 to 25 rich rows a page, and
rendering them is most of those pages' time; a year of trends is two tables of 365 rows
(`kept`). A row's HTML follows only from the data it
shows, the reader's language and time zone, the day, and the portal's templates and code.
So a row is kept in the `fragments` cache under the digest of exactly those: a row whose
data changed gets a new key and is rendered again, so nothing is ever invalidated and a
stale row cannot be shown. A key that is no longer asked for expires (FRAGMENT_TTL).

What goes into a row's digest is the caller's to name, and must be everything the row
template reads: model instances count by every stored field (`fingerprint`). Row templates
are rendered without the request, so nothing of the viewer (their name, a CSRF token, the
page's address) can end up in a row another viewer is shown; what is the viewer's stays
outside the row, in the page.

The cache is an optimisation only: when it cannot be reached, rows are rendered as they
would be without it and the page is answered.
"""

import hashlib
import logging
from collections.abc import Callable
from functools import cache as once
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db.models import Model
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

FRAGMENT_CACHE = "fragments"
FRAGMENT_TTL = 24 * 60 * 60  # a day: a row not shown for a day is rendered again
# What a row's HTML can depend on besides its data: the templates, the translations, the
# Python that renders them (template tags, labels, formats) and the pinned libraries
# (Django's own formats and translations).
_SOURCES = (
    "requirements.txt",
    "templates/**/*.html",
    "locale/**/*.mo",
    *(f"{app}/**/*.py" for app in ("portal", "patients", "regimens", "messaging", "interop")),
)


@once
def release() -> str:
    """A digest of the portal's templates, translations and code, read once per process: a
    new release renders every row again."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    for pattern in _SOURCES:
        for path in sorted(root.glob(pattern)):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _plain(value):
    if isinstance(value, Model):
        fields = value._meta.concrete_fields
        return (type(value).__name__, *(getattr(value, field.attname) for field in fields))
    if isinstance(value, (list, tuple)):
        return tuple(_plain(item) for item in value)
    return value


def fingerprint(*parts) -> str:
    """A digest of the parts: model instances by their class and every stored field, lists and
    tuples item by item, anything else by its repr()."""
    return hashlib.sha256(repr(_plain(parts)).encode()).hexdigest()


def _scope(name: str) -> str:
    """What a kept fragment depends on besides its data: its name, the release, and the
    reader's language, time zone and day."""
    return ":".join(
        (
            name,
            release(),
            translation.get_language() or settings.LANGUAGE_CODE,
            timezone.get_current_timezone_name(),
            timezone.localdate().isoformat(),
        )
    )


def kept_many(name: str, items: list, *, shows: Callable, render: Callable) -> list[SafeString]:
    """Each item's HTML, in order: `render(item)`, taken from the cache when an item with the
    same `shows(item)` (everything `render` reads of it) was rendered before under the same
    `name` in the same language, time zone, day and release."""
    scope = _scope(name)
    keys = [f"row:{fingerprint(scope, shows(item))}" for item in items]
    fragments = caches[FRAGMENT_CACHE]
    try:
        found = fragments.get_many(keys)
    except Exception:  # noqa: BLE001 (any backend's error: the page is answered without it)
        logger.warning("fragment cache unavailable; rendering rows", exc_info=True)
        found, fragments = {}, None
    html, new = [], {}
    for key, item in zip(keys, items, strict=True):
        text = found.get(key)
        if text is None:
            text = new[key] = str(render(item))
        html.append(mark_safe(text))  # noqa: S308 (our own rendering of our own template)
    if new and fragments is not None:
        try:
            fragments.set_many(new, FRAGMENT_TTL)
        except Exception:  # noqa: BLE001
            logger.warning("fragment cache unavailable; rows not kept", exc_info=True)
    return html


def kept(name: str, shows: tuple, render: Callable[[], str]) -> SafeString:
    """One fragment: `render()`, kept under `name` and `shows` (everything it reads)."""
    return kept_many(name, [None], shows=lambda _item: shows, render=lambda _item: render())[0]


def render_rows(template_name: str, rows: list, *, name: str) -> None:
    """Set each row's `html` to `template_name` rendered with the row as `name`, kept under
    the row's `shows()` (everything the template reads of it)."""
    html = kept_many(
        template_name,
        rows,
        shows=lambda row: row.shows(),
        render=lambda row: render_to_string(template_name, {name: row}),
    )
    for row, text in zip(rows, html, strict=True):
        row.html = text
