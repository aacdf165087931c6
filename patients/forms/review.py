"""The care team's review: marking a patient reviewed (closing the flags shown) and a single
flag's review."""

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.models import Flag
from portal.lib.fields import NOTE_MAX_LENGTH, NOTE_TOO_LONG, ModelMultipleChoiceField


class FlagChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, flag: Flag) -> str:
        return f"{flag.get_severity_display()}: {flag.get_kind_display()}. {flag.reason}"


class ReviewForm(forms.Form):
    """Mark a patient reviewed: the flags it closes (all shown, or those ticked) and a note."""

    flags = FlagChoiceField(
        label=_("Flags this review closes"),
        queryset=Flag.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("That flag is not one of this patient's.")},
    )
    note = forms.CharField(
        label=_("Review note (optional)"),
        required=False,
        max_length=500,
        widget=forms.TextInput,
        error_messages={"max_length": _("Keep the note to 500 characters or fewer.")},
    )

    def __init__(self, data=None, *, patient, open_flags=None, **kwargs):
        """`open_flags`: the patient's open flags when the caller has read them already (the
        patient record has): the form shows them without reading them again."""
        super().__init__(data, **kwargs)
        # Any of the patient's flags is accepted: one a colleague closed a moment ago is
        # skipped by the service rather than refused.
        self.fields["flags"].queryset = Flag.objects.filter(patient=patient)
        if data is None:
            field = self.fields["flags"]
            field.queryset = Flag.objects.filter(patient=patient, resolved_at__isnull=True)
            # Read once, for the choices and the ticked boxes alike.
            open_flags = list(field.queryset if open_flags is None else open_flags)
            choice = field.iterator(field).choice
            field.choices = [choice(flag) for flag in open_flags]
            self.initial.setdefault("flags", open_flags)


class FlagReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Review note (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.TextInput,
        error_messages={"max_length": NOTE_TOO_LONG},
    )
