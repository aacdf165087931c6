"""Refusals a provider's decision meets, in words: the decision services refuse with these
messages and the decision forms show the same ones next to the field. Pure: the current
dose, today and the limits are passed in."""

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.lib.formats import day, mg

# A decision (or a declined pause) for the reason “Other” says why in its note.
OTHER_WITHOUT_NOTE = gettext_lazy("The reason is “Other”: say why in the note.")


def advance_errors(*, dose_mg: Decimal, current_mg: Decimal) -> list[str]:
    if dose_mg <= current_mg:
        return [
            _("A step up goes above the current %(dose)s mg. To lower the dose, step back.")
            % {"dose": mg(current_mg)}
        ]
    return []


def step_back_errors(*, dose_mg: Decimal, current_mg: Decimal) -> list[str]:
    if dose_mg >= current_mg:
        return [_("A step back goes below the current %(dose)s mg.") % {"dose": mg(current_mg)}]
    return []


def hold_until_errors(*, until: date, today: date, longest_days: int) -> list[str]:
    last = today + timedelta(days=longest_days)
    if not today < until <= last:
        return [
            _("Pick a date after today and at most %(days)d days ahead, by %(last)s.")
            % {"days": longest_days, "last": day(last)}
        ]
    return []


# How a protocol's name may state its interval: a pattern and the days it means.
_INTERVAL_WORDS = [
    (re.compile(r"\bevery\s+(\d+)\s+days?\b", re.I), lambda n: int(n)),
    (re.compile(r"\b(\d+)[\s-]+days?\b", re.I), lambda n: int(n)),
    (re.compile(r"\bevery\s+(\d+)\s+weeks?\b", re.I), lambda n: 7 * int(n)),
    (re.compile(r"\b(\d+)[\s-]+weeks?\b", re.I), lambda n: 7 * int(n)),
    (re.compile(r"\b(daily|every\s+day)\b", re.I), lambda _n: 1),
    (re.compile(r"\b(weekly|every\s+week)\b", re.I), lambda _n: 7),
    (re.compile(r"\b(fortnightly|every\s+fortnight|every\s+two\s+weeks)\b", re.I), lambda _n: 14),
]
_DOSE_WORDS = re.compile(r"(\d+(?:\.\d+)?)\s*mg\b", re.I)


def protocol_name_errors(
    *,
    name: str,
    start_mg: Decimal,
    step_mg: Decimal,
    interval_days: int,
    target_mg: Decimal,
    ceiling_mg: Decimal,
) -> list[str]:
    """What a protocol's name states that its numbers do not: every dose the name gives
    ("1.5 mg") is one of the protocol's doses, and every interval it gives ("every 14 days",
    "weekly", "fortnightly") is its days per step. A name that states no number is fine."""
    errors = []
    doses = {Decimal(d).normalize() for d in (start_mg, step_mg, target_mg, ceiling_mg)}
    for said in dict.fromkeys(_DOSE_WORDS.findall(name)):
        try:
            value = Decimal(said).normalize()
        except InvalidOperation:  # pragma: no cover - the pattern only finds numbers
            continue
        if value not in doses:
            errors.append(
                _(
                    "The name says %(said)s mg, which is none of this protocol's doses "
                    "(start %(start)s mg, step %(step)s mg, target %(target)s mg, "
                    "ceiling %(ceiling)s mg). Change the name or the doses."
                )
                % {
                    "said": mg(value),
                    "start": mg(start_mg),
                    "step": mg(step_mg),
                    "target": mg(target_mg),
                    "ceiling": mg(ceiling_mg),
                }
            )
    stated, taken = [], set()
    for pattern, days in _INTERVAL_WORDS:  # "every 14 days" counts once, not again as "14 days"
        for match in pattern.finditer(name):
            if not taken.intersection(range(*match.span())):
                taken.update(range(*match.span()))
                stated.append((match.group(0), days(match.group(1))))
    for words, days in dict.fromkeys(stated):
        if days != interval_days:
            errors.append(
                _(
                    "The name says “%(words)s”, but each step lasts %(days)d days. "
                    "Change the name or the days per step."
                )
                % {"words": words, "days": interval_days}
            )
    return errors
