"""Which diary days can be written, in words for people. Pure: `today` and the edit window
are passed in (DIARY_EDIT_DAYS, docs/clinical-rules.md section 4)."""

from datetime import date

from django.utils.translation import gettext as _

from portal.lib.formats import day as long_day
from portal.lib.formats import short_day


def can_edit(day: date, today: date, edit_days: int) -> bool:
    """A day's entry can be written or changed from that day until `edit_days` later."""
    return day <= today and (today - day).days <= edit_days


def day_errors(*, day: date, today: date, edit_days: int) -> list[str]:
    """Why a diary day cannot be written or changed today; empty when it can. The service
    refuses with these words and the forms show the same ones."""
    if day > today:
        return [
            _("A diary day cannot be in the future: choose %(today)s or earlier.")
            % {"today": long_day(today)}
        ]
    if (today - day).days > edit_days:
        return [
            _("Entries can be changed for %(days)d days; this one is from %(day)s.")
            % {"days": edit_days, "day": short_day(day)}
        ]
    return []
