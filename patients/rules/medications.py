"""Medication screening: recognise opioids (naltrexone blocks them), full-dose naltrexone (a
duplicate of the LDN itself) and thyroid hormones (LDN can change how much of them a patient
needs) in a medication name as people type it, and say why in plain words.

Pure: plain values in, a result with reasons out. No ORM, no clock, no settings reads (the
washout days are passed in). The names are recognised by patients.rules.drug_vocabulary, a
dated vocabulary with its sources; the rules are docs/clinical-rules.md §2.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patients.rules.drug_vocabulary import DUPLICATE, identify, identify_thyroid_hormone

BLOCK, WARN, NONE = "block", "warn", "none"


def washout_ends(stopped_on: date | None, washout_days: int) -> date | None:
    """The first day LDN may be taken after a blocking opioid: the stop date (the last day
    it was taken) plus the washout, never the stop date itself, or None while it is still
    taken (no stop date).
    docs/clinical-rules.md §2.5. The one definition: the medication list, the opioid
    status and the pause planner all count with it."""
    if stopped_on is None:
        return None
    return stopped_on + timedelta(days=max(washout_days, 1))


def opioid_blocks(
    *, started_on: date | None, stopped_on: date | None, washout_days: int, today: date
) -> bool:
    """A blocking opioid stands in the way of LDN on `today`: it has started (or has no
    start date) and `today` is before the end of its washout."""
    if started_on is not None and started_on > today:
        return False
    ends = washout_ends(stopped_on, washout_days)
    return ends is None or today < ends


@dataclass(frozen=True)
class ScreenResult:
    is_opioid: bool
    action: str  # "block", "warn" or "none" (for opioids; full-dose naltrexone is separate)
    ingredient: str | None  # the matched opioid ingredient, lower-case generic name
    group: str | None  # "full agonist", "partial agonist", "antitussive", "antidiarrheal", "other"
    washout_days: int  # 0 when not an opioid or when only a warning applies
    is_thyroid_hormone: bool
    thyroid_ingredient: str | None  # levothyroxine, liothyronine, liotrix, desiccated thyroid
    reason: str  # plain sentences for people; empty when nothing matched
    full_dose_naltrexone: bool = False  # Vivitrol, Revia, Contrave, naltrexone 50 mg ...
    matched_term: str = ""  # the vocabulary term that matched
    fuzzy: bool = False  # recognised through a small misspelling


def _opioid_reason(ingredient: str, action: str, days: int) -> str:
    name = ingredient.capitalize()
    if action == WARN:
        return _(
            "%(name)s is an opioid that acts mainly in the gut. Naltrexone may make it work "
            "less well, so tell your clinician if you use it."
        ) % {"name": name}
    return ngettext(
        "%(name)s is an opioid. Naltrexone blocks opioids and can bring on sudden withdrawal, "
        "so LDN is not taken while it is, nor for %(days)d day after the last dose.",
        "%(name)s is an opioid. Naltrexone blocks opioids and can bring on sudden withdrawal, "
        "so LDN is not taken while it is, nor for %(days)d days after the last dose.",
        days,
    ) % {"name": name, "days": days}


def _duplicate_reason(term: str) -> str:
    return _(
        "%(name)s contains naltrexone at a full dose, the same medicine as LDN at many times "
        "the dose. Do not take both: your care team has been told and will advise you."
    ) % {"name": term}


def _thyroid_reason(ingredient: str) -> str:
    return _(
        "%(name)s is a thyroid hormone. LDN can change how much of it you need, so the dose "
        "goes up slowly and your thyroid blood tests are checked."
    ) % {"name": ingredient.capitalize()}


def screen_medication(
    name: str, *, washout_days: int = 10, maintenance_washout_days: int = 14
) -> ScreenResult:
    """Screen a free-text medication name for opioids, full-dose naltrexone and thyroid
    hormones.

    Naltrexone label: current opioids and opioid dependence (methadone, buprenorphine) are
    contraindications; be opioid-free 7-10 days, and up to 2 weeks after methadone or
    buprenorphine. The defaults follow the consumer monograph: 10 days, 14 for methadone and
    buprenorphine (docs/clinical-rules.md §2.5). Loperamide acts mainly in the gut
    ([design]): a warning with no washout. Full-dose naltrexone is a duplicate therapy
    (§2.4).
    """
    match = identify(name)
    thyroid = identify_thyroid_hormone(name)
    reasons = []
    opioid = match if match is not None and match.action != DUPLICATE else None
    duplicate = match is not None and match.action == DUPLICATE
    days = 0
    if opioid is not None:
        if opioid.action == BLOCK:
            days = maintenance_washout_days if opioid.maintenance else washout_days
        reasons.append(_opioid_reason(opioid.ingredient, opioid.action, days))
    if duplicate:
        reasons.append(_duplicate_reason(name.strip() or match.term))
    if thyroid is not None:
        reasons.append(_thyroid_reason(thyroid))
    return ScreenResult(
        is_opioid=opioid is not None,
        action=opioid.action if opioid is not None else NONE,
        ingredient=opioid.ingredient if opioid is not None else None,
        group=opioid.group if opioid is not None else None,
        washout_days=days,
        is_thyroid_hormone=thyroid is not None,
        thyroid_ingredient=thyroid,
        reason=" ".join(reasons),
        full_dose_naltrexone=duplicate,
        matched_term=match.term if match is not None else "",
        fuzzy=match.fuzzy if match is not None else False,
    )
