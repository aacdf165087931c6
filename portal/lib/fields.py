"""Form fields that range-check what a person (or anyone posting) sends before it reaches date
arithmetic or a query: every form of the portal uses these instead of Django's own.

- `DateField`: a date between 1 Jan 1900 and 31 Dec 2999. Django accepts 0001-01-01 to
  9999-12-31, where one day or one time zone more leaves the calendar (OverflowError).
- `ModelChoiceField` / `ModelMultipleChoiceField`: an id outside what the table's key column
  can hold (9223372036854775808, -1) is refused as an unknown choice before any query; some
  databases raise on it instead of finding nothing.

Each refusal is an ordinary field error, shown next to the field. The labels and messages
several forms share are written once, below (`DAY_LABEL`, `TIME_ERRORS`, ...), and
`time_field` is the one time of day field.
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext_lazy as _

from portal.lib.formats import day as format_day
from portal.lib.widgets import DateInput, TimeInput

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)

# Words several forms share.
DAY_LABEL = _("Day")
DAY_INVALID = _("Enter the day as a date, e.g. 2026-03-01.")
DATE_REQUIRED = _("Enter the date.")
DATE_INVALID = _("Enter a date, e.g. 2026-12-03.")
TIME_ERRORS = {
    "required": _("Enter the time."),
    "invalid": _("Enter a time as hours and minutes, e.g. 10:30."),
}
NOTE_OPTIONAL_LABEL = _("Note (optional)")
NOTE_MAX_LENGTH = 500
NOTE_TOO_LONG = _("Keep the note under 500 characters.")


def day_in_range(value: date, *, earliest: date = EARLIEST_DAY, latest: date = LATEST_DAY) -> bool:
    """Whether `value` is a day the portal can do arithmetic on in any time zone."""
    return earliest <= value <= latest


class DateField(forms.DateField):
    """A date typed in ISO format (the browser's date picker), between `earliest` and
    `latest` (by default 1 Jan 1900 to 31 Dec 2999)."""

    widget = DateInput

    def __init__(self, *, earliest: date = EARLIEST_DAY, latest: date = LATEST_DAY, **kwargs):
        self.earliest, self.latest = earliest, latest
        super().__init__(**kwargs)
        self.error_messages.setdefault(
            "out_of_range",
            _("Enter a date between %(earliest)s and %(latest)s.")
            % {"earliest": format_day(earliest), "latest": format_day(latest)},
        )

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not day_in_range(day, earliest=self.earliest, latest=self.latest):
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return day


def time_field(label, *, required: bool = True, help_text="") -> forms.TimeField:
    """A time of day typed as hours and minutes (the browser's time picker)."""
    return forms.TimeField(
        label=label,
        widget=TimeInput(),
        required=required,
        help_text=help_text,
        error_messages=TIME_ERRORS,
    )


def id_in_range(model_field, value) -> bool:
    """Whether `value` could be stored in `model_field` (an integer key column). A value that
    is not a number at all is left to the field's own check (it finds no row)."""
    bounds = BaseDatabaseOperations.integer_field_ranges.get(model_field.get_internal_type())
    if bounds is None:
        return True
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return True
    return bounds[0] <= number <= bounds[1]


def _key_field(field):
    meta = field.queryset.model._meta
    return meta.get_field(field.to_field_name) if field.to_field_name else meta.pk


class ModelChoiceField(forms.ModelChoiceField):
    """One record by id; an id no row can have is an unknown choice."""

    def to_python(self, value):
        if value not in self.empty_values and not id_in_range(_key_field(self), value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several records by id; any id no row can have makes the choice unknown."""

    def _check_values(self, value):
        key = _key_field(self)
        for each in value if isinstance(value, list | tuple) else [value]:
            if not id_in_range(key, each):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": each},
                )
        return super()._check_values(value)
