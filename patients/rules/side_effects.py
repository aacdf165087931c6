"""The side-effect catalogue: every side effect the portal asks about, declared once, and the
one severity scale.

The diary's columns, the diary form, the Tonight and care-team report forms, the flag rules,
triage, trends, the CSV export and the titration engine's inputs all derive from ITEMS.
Adding an item is one entry here (plus the migration for its new diary column).

Items and thresholds: docs/clinical-rules.md, section 5 ("Side effects and the diary").
"""

from dataclasses import dataclass

from django.db.models import IntegerChoices
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Severity(IntegerChoices):
    """How bad a side effect was: the diary's, the reports' and the engine's one scale."""

    NONE = 0, _("None")
    MILD = 1, _("Mild")
    MODERATE = 2, _("Moderate")
    SEVERE = 3, _("Severe")


NONE, MILD, MODERATE, SEVERE = (int(s) for s in Severity)

# What each level means, shown where someone rates a side effect.
SEVERITY_HELP = {
    Severity.MILD: _("noticeable, does not get in the way"),
    Severity.MODERATE: _("gets in the way of the day or night"),
    Severity.SEVERE: _("hard to bear"),
}

COMMON, THYROID = "common", "thyroid"


@dataclass(frozen=True)
class Item:
    key: str  # the item everywhere: reports, the engine, flags' causes ("insomnia")
    field: str  # its diary column (the same as the key except "other_effect")
    name: Promise  # "Trouble sleeping": tables, badges, choices
    short: Promise  # "Trouble sleeping": chart legends and compact grids
    phrase: Promise  # "trouble sleeping": inside a sentence
    question: Promise  # the diary form's label, with a word of explanation
    group: str  # COMMON (everyone) or THYROID (thyroid patients only)
    code: str  # the code in the CSV export and the portal's FHIR code system
    guidance_tag: str = ""  # the library topic that helps with it
    sleep: bool = False  # counts towards the engine's "switch to morning dosing"


ITEMS: tuple[Item, ...] = (
    Item(
        "vivid_dreams",
        "vivid_dreams",
        _("Vivid dreams or nightmares"),
        _("Vivid dreams"),
        _("vivid dreams or nightmares"),
        _("Vivid dreams or nightmares"),
        COMMON,
        "vivid-dreams",
        guidance_tag="sleep",
        sleep=True,
    ),
    Item(
        "insomnia",
        "insomnia",
        _("Trouble sleeping"),
        _("Trouble sleeping"),
        _("trouble sleeping"),
        _("Trouble sleeping (insomnia)"),
        COMMON,
        "insomnia",
        guidance_tag="sleep",
        sleep=True,
    ),
    Item(
        "headache",
        "headache",
        _("Headache"),
        _("Headache"),
        _("headache"),
        _("Headache"),
        COMMON,
        "headache",
        guidance_tag="headache",
    ),
    Item(
        "nausea",
        "nausea",
        _("Nausea or stomach upset"),
        _("Nausea"),
        _("nausea or stomach upset"),
        _("Nausea or stomach upset"),
        COMMON,
        "nausea",
        guidance_tag="nausea",
    ),
    Item(
        "other",
        "other_effect",
        _("Another side effect"),
        _("Other"),
        _("another side effect"),
        _("Another side effect"),
        COMMON,
        "other",
    ),
    Item(
        "palpitations",
        "palpitations",
        _("Palpitations"),
        _("Palpitations"),
        _("palpitations"),
        _("Palpitations (a racing or pounding heart)"),
        THYROID,
        "palpitations",
    ),
    Item(
        "tremor",
        "tremor",
        _("Tremor"),
        _("Tremor"),
        _("tremor"),
        _("Tremor (shaky hands)"),
        THYROID,
        "tremor",
    ),
    Item(
        "heat_intolerance",
        "heat_intolerance",
        _("Feeling too hot"),
        _("Feeling too hot"),
        _("feeling too hot"),
        _("Feeling too hot"),
        THYROID,
        "heat-intolerance",
    ),
    Item(
        "anxiety",
        "anxiety",
        _("Anxiety"),
        _("Anxiety"),
        _("anxiety"),
        _("Anxiety or feeling on edge"),
        THYROID,
        "anxiety",
    ),
)

BY_KEY = {item.key: item for item in ITEMS}
BY_FIELD = {item.field: item for item in ITEMS}
KEYS = tuple(item.key for item in ITEMS)
FIELDS = tuple(item.field for item in ITEMS)
COMMON_ITEMS = tuple(item for item in ITEMS if item.group == COMMON)
THYROID_ITEMS = tuple(item for item in ITEMS if item.group == THYROID)
SLEEP_KEYS = frozenset(item.key for item in ITEMS if item.sleep)
OTHER = "other"
# Side effects a patient reports from Tonight or the care team records: the common items.
REPORTABLE = COMMON_ITEMS


def item(key: str) -> Item:
    return BY_KEY[key]


def phrase(key: str, other_text: str = "") -> str:
    """The item inside a sentence ("severe headache"); "another side effect" says which when
    the patient did ("severe side effect: dry mouth"), else just "side effect"."""
    if key == OTHER:
        if other_text:
            return _("side effect: %(text)s") % {"text": other_text[:60]}
        return str(_("side effect"))
    return str(BY_KEY[key].phrase)


def report_choices() -> list[tuple[str, Promise]]:
    return [(item.key, item.name) for item in REPORTABLE]


def severity_choices(*, with_none: bool = True) -> list[tuple[int, Promise]]:
    return [(value, label) for value, label in Severity.choices if with_none or value]
