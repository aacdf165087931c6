"""Refusals a provider's decision meets, in words: the decision services refuse with these
messages and the decision forms show the same ones next to the field. Pure: the current
dose, today and the limits are passed in."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from portal.lib.formats import day, mg


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
