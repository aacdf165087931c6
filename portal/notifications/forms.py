from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.forms import TimezoneField
from portal.lib.widgets import TimeInput
from portal.notifications.models import Preferences

PATIENT_ONLY = (
    "dose_enabled",
    "dose_time",
    "step_enabled",
    "diary_enabled",
    "diary_time",
    "detailed_email",
)
TIME_ERROR = _("Enter a time as hours and minutes, e.g. 21:30.")


class PreferencesForm(forms.ModelForm):
    timezone = TimezoneField()

    class Meta:
        model = Preferences
        fields = [
            "dose_enabled",
            "dose_time",
            "step_enabled",
            "diary_enabled",
            "diary_time",
            "checkin_enabled",
            "supply_enabled",
            "digest_enabled",
            "email_enabled",
            "detailed_email",
            "quiet_start",
            "quiet_end",
        ]
        widgets = {
            "dose_time": TimeInput(),
            "diary_time": TimeInput(),
            "quiet_start": TimeInput(),
            "quiet_end": TimeInput(),
        }
        help_texts = {
            "dose_time": _(
                "Leave empty for 30 minutes before your usual bedtime (08:00 for a morning dose)."
            ),
            "diary_time": _("Sent only if that day's diary is still empty."),
            "quiet_start": _("No e-mails between these times; reminders wait in the portal."),
        }
        error_messages = dict.fromkeys(
            ("dose_time", "diary_time", "quiet_start", "quiet_end"), {"invalid": TIME_ERROR}
        )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].initial = user.timezone
        if user.is_patient:
            del self.fields["digest_enabled"]
        else:
            for name in PATIENT_ONLY:
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("quiet_start"), cleaned.get("quiet_end")
        if (start is None) != (end is None):
            self.add_error(
                "quiet_end", _("Give both a start and an end for quiet hours, or neither.")
            )
        elif start is not None and start == end:
            self.add_error(
                "quiet_end",
                _("Quiet hours cannot cover the whole day: the end must differ from the start."),
            )
        return cleaned
