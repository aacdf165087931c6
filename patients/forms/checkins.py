"""Forms for check-ins: booking and moving one (provider), asking for another time
(patient) and completing one with the PGIC answer (provider).

Times are typed in the person's own time zone and cleaned to a UTC instant with
portal.notifications.timing.local_to_utc (a time skipped by a clock change moves to the
next valid minute). Messages say what is wrong and what is allowed.
"""

from datetime import date, datetime, time

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.models import CheckIn, PGICResponse
from patients.services.checkins import KIND_UNKNOWN, MAX_DAYS_AHEAD, NO_MESSAGE, PAST, too_far
from portal.lib.fields import DATE_REQUIRED, DateField, time_field
from portal.lib.timing import local_date, local_to_utc
from portal.lib.widgets import DateInput

DATE_INVALID = _("Enter a date, e.g. 2026-03-12.")


def _date_field(label, *, required=True):
    return DateField(
        label=label,
        widget=DateInput(),
        required=required,
        error_messages={"required": DATE_REQUIRED, "invalid": DATE_INVALID},
    )


def checkin_kind_field() -> forms.ChoiceField:
    """Video, phone, in person or diary review: a check-in's and a check-in rule's kind."""
    return forms.ChoiceField(
        label=_("Kind"),
        choices=CheckIn.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": KIND_UNKNOWN},
    )


def _future(form, day: date, at: time, zone: str, now: datetime, fields=("date", "time")):
    """The UTC instant of `day` `at` in `zone`, or None with the error next to the field."""
    instant = local_to_utc(day, at, zone)
    today = local_date(now, zone)
    if instant <= now:
        form.add_error(fields[1] if day >= today else fields[0], PAST)
        return None
    if (day - today).days > MAX_DAYS_AHEAD:
        form.add_error(fields[0], too_far())
        return None
    return instant


class CheckInForm(forms.Form):
    """Book a check-in, or move one: date and time in the provider's time zone."""

    date = _date_field(_("Date"))
    time = time_field(_("Time"))
    kind = checkin_kind_field()

    def __init__(self, data=None, *, zone: str, now: datetime, **kwargs):
        super().__init__(data, **kwargs)
        self.zone, self.now = zone, now
        self.fields["time"].help_text = _("In your time zone, %(zone)s.") % {"zone": zone}

    def clean(self):
        cleaned = super().clean()
        day, at = cleaned.get("date"), cleaned.get("time")
        if day and at:
            cleaned["starts_at"] = _future(self, day, at, self.zone, self.now)
        return cleaned

    def values(self) -> dict:
        return {"starts_at": self.cleaned_data["starts_at"], "kind": self.cleaned_data["kind"]}


class RequestChangeForm(forms.Form):
    """The patient asks for another time: a message, and a time that suits them if any."""

    message = forms.CharField(
        label=_("Message to your provider"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=400,
        error_messages={
            "required": NO_MESSAGE,
            "max_length": _("Keep the message under 400 characters."),
        },
    )
    suggested_date = _date_field(_("A date that suits you (optional)"), required=False)
    suggested_time = time_field(_("A time that suits you (optional)"), required=False)

    def __init__(self, data=None, *, zone: str, now: datetime, **kwargs):
        super().__init__(data, **kwargs)
        self.zone, self.now = zone, now
        self.fields["suggested_time"].help_text = _("In your time zone, %(zone)s.") % {"zone": zone}

    def clean(self):
        cleaned = super().clean()
        day, at = cleaned.get("suggested_date"), cleaned.get("suggested_time")
        cleaned["suggested_at"] = None
        if day and at:
            cleaned["suggested_at"] = _future(
                self, day, at, self.zone, self.now, ("suggested_date", "suggested_time")
            )
        elif (day is None) != (at is None) and not self.errors:
            missing = "suggested_time" if at is None else "suggested_date"
            self.add_error(missing, _("Give both a date and a time, or neither."))
        return cleaned

    def values(self) -> dict:
        return {
            "message": self.cleaned_data["message"],
            "suggested_at": self.cleaned_data["suggested_at"],
        }


class CompleteForm(forms.Form):
    pgic_score = forms.TypedChoiceField(
        label=_(
            "Since starting LDN, how would the patient describe the change in their condition "
            "overall? (PGIC)"
        ),
        choices=PGICResponse.Score.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pick the patient's answer, from 1 to 7.")},
    )
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=5000,
        error_messages={"max_length": _("Keep the notes under 5,000 characters.")},
    )
