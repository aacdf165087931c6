"""Forms for the symptom diary, the morning check-in and the 4-weekly PGIC.

Only free scales: 0-10 numeric rating scales with their anchors written out, the catalogue's
side effects as none / mild / moderate / severe, and the 7-point PGIC
(docs/clinical-rules.md §4.2, §4.3, §4.5, §4.7, §5.2). "Today" is the patient's local date,
passed in by the view.
"""

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from patients.models import DiaryEntry, PGICResponse
from patients.rules import side_effects as catalogue
from patients.rules.side_effects import Severity
from patients.selectors.diary import DiaryQuestions, diary_day_errors, edit_days
from patients.services.diary import ENTRY_FIELDS, SCORE_NAMES, SEVERITY_UNKNOWN, score_error
from patients.services.pgic import PGIC_UNANSWERED
from patients.treatment import DOSE_STATUS_UNKNOWN
from portal.lib.fields import DAY_INVALID, DAY_LABEL, DateField
from portal.lib.formats import short_day

SCALES = (
    ("pain", SCORE_NAMES["pain"], _("no pain"), _("worst pain imaginable")),
    ("fatigue", SCORE_NAMES["fatigue"], _("no fatigue"), _("worst fatigue imaginable")),
    ("sleep_quality", _("Sleep quality last night"), _("very poor"), _("excellent")),
    ("mood", SCORE_NAMES["mood"], _("very low"), _("very good")),
)
SEVERITY_CHOICES = Severity.choices
SCORE_CHOICES = [(n, str(n)) for n in range(11)]
NOTHING_ANSWERED = _(
    "Nothing was saved: answer at least one question, or tap “No side effects today”."
)
DOSE_CHOICES = [
    ("taken", _("I took it")),
    ("skipped", _("I skipped it on purpose")),
    ("missed", _("I missed it")),
]
# Plausible fasting glucose readings, as home meters report them (about 20-600 mg/dL, i.e.
# 1.1-33.3 mmol/L); anything outside is most likely a typing slip or the wrong unit.
GLUCOSE_RANGES = {
    "mmol/L": (Decimal("1.1"), Decimal("33.3")),
    "mg/dL": (Decimal("20"), Decimal("600")),
}
MAX_STOOLS_PER_DAY = 40

# The morning check-in's two taps: button value -> what is saved.
SLEEP_TAPS = {"poor": 2, "fair": 5, "good": 7, "great": 9}
SLEEP_TAP_LABELS = {
    "poor": _("Poorly"),
    "fair": _("So-so"),
    "good": _("Well"),
    "great": _("Very well"),
}
DREAM_TAPS = {"none": Severity.NONE, "vivid": Severity.MILD, "distressing": Severity.MODERATE}
DREAM_TAP_LABELS = {
    "none": _("None I remember"),
    "vivid": _("Vivid"),
    "distressing": _("Distressing"),
}


def _scale(name, label, low, high) -> forms.IntegerField:
    """A 0-10 score as a row of eleven tap targets; anything else posted is refused."""
    message = score_error(name)
    field = forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=10,
        widget=forms.RadioSelect(choices=SCORE_CHOICES, attrs={"class": "btn-check"}),
        help_text=_("0 = %(low)s, 10 = %(high)s. Leave it empty to skip it.")
        % {"low": low, "high": high},
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )
    field.anchors = (low, high)
    return field


def _severity(item: catalogue.Item) -> forms.TypedChoiceField:
    field = forms.TypedChoiceField(
        label=item.question,
        choices=SEVERITY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": SEVERITY_UNKNOWN},
    )
    field.severity = True
    return field


def day_choices(*, today: date, edit_days: int, written=frozenset()) -> list[tuple[str, str]]:
    """The days an entry can be written for, today first, each saying if it has one."""
    choices = []
    for back in range(edit_days + 1):
        day = today - timedelta(days=back)
        if back == 0:
            label = _("Today, %(day)s") % {"day": short_day(day)}
        elif back == 1:
            label = _("Yesterday, %(day)s") % {"day": short_day(day)}
        else:
            label = f"{date_format(day, 'l')}, {short_day(day)}"
        if day in written:
            label = _("%(day)s (written: saving changes it)") % {"day": label}
        choices.append((day.isoformat(), label))
    return choices


class NumberText(forms.TextInput):
    """A number typed as text with a numeric keyboard: the browser posts what was typed, so
    a reading it cannot parse ("7e") is refused with a message instead of dropped."""

    def __init__(self, *, decimal: bool = False):
        super().__init__(attrs={"inputmode": "decimal" if decimal else "numeric"})


class DiaryEntryForm(forms.Form):
    """One day of the diary. `day` is a field only for a new entry; an existing entry's day
    comes from its address. The dose question shows only while a regimen is active."""

    def __init__(
        self,
        data=None,
        *,
        questions: DiaryQuestions,
        today: date,
        day: date | None = None,
        entry: DiaryEntry | None = None,
        ask_dose: bool = False,
        dose_status: str = "",
        written_days=frozenset(),
        **kwargs,
    ):
        self.today, self.fixed_day, self.entry = today, day, entry
        initial = {f: getattr(entry, f) for f in ENTRY_FIELDS} if entry else {}
        initial.update(dose=dose_status, day=day or today)
        kwargs.setdefault("initial", initial)
        super().__init__(data, **kwargs)
        if day is None:
            self.fields["day"] = DateField(
                label=DAY_LABEL,
                widget=forms.RadioSelect(
                    choices=day_choices(today=today, edit_days=edit_days(), written=written_days),
                    attrs={"class": "btn-check"},
                ),
                help_text=_("Today, or up to %(days)d days back.") % {"days": edit_days()},
                error_messages={
                    "required": _("Enter the day this entry is for."),
                    "invalid": DAY_INVALID,
                },
            )
        if ask_dose:
            self.fields["dose"] = forms.ChoiceField(
                label=_("Your LDN dose that day"),
                choices=DOSE_CHOICES,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                required=False,
                help_text=_("Missed a dose? Do not take two the next day."),
                error_messages={"invalid_choice": DOSE_STATUS_UNKNOWN},
            )
        for name, label, low, high in SCALES:
            self.fields[name] = _scale(name, label, low, high)
        self.fields["no_side_effects"] = forms.BooleanField(
            label=_("No side effects today"),
            required=False,
            widget=forms.CheckboxInput(attrs={"class": "btn-check"}),
            help_text=_("Sets every side effect you have not rated to none."),
        )
        for item in catalogue.COMMON_ITEMS:
            self.fields[item.field] = _severity(item)
        self.fields["other_effect_text"] = forms.CharField(
            label=_("Which other side effect?"),
            max_length=200,
            required=False,
            help_text=_("Only if you rated “Another side effect”, e.g. “dry mouth”."),
            error_messages={"max_length": _("Keep it to 200 characters or fewer.")},
        )
        if questions.thyroid:
            for item in catalogue.THYROID_ITEMS:
                self.fields[item.field] = _severity(item)
        if questions.glucose:
            self.fields["fasting_glucose"] = forms.DecimalField(
                label=_("Fasting glucose (optional)"),
                required=False,
                max_digits=5,
                decimal_places=1,
                widget=NumberText(decimal=True),
                help_text=_("Before breakfast, from your meter."),
                error_messages={
                    "invalid": _("Enter the reading as a number, e.g. 5.4 or 97."),
                    "max_decimal_places": _("Enter the reading with at most one decimal."),
                    "max_digits": _("That reading is too long: enter it as your meter shows it."),
                    "max_whole_digits": _(
                        "That reading is too long: enter it as your meter shows it."
                    ),
                },
            )
            self.fields["glucose_unit"] = forms.ChoiceField(
                label=_("Glucose unit"),
                choices=[("", _("Choose the unit")), ("mmol/L", "mmol/L"), ("mg/dL", "mg/dL")],
                required=False,
                error_messages={"invalid_choice": _("Choose mmol/L or mg/dL.")},
            )
        if questions.stools:
            message = _("Stools per day is a count from 0 to %(max)d.") % {
                "max": MAX_STOOLS_PER_DAY
            }
            self.fields["stools_per_day"] = forms.IntegerField(
                label=_("Stools (bowel movements) today"),
                required=False,
                min_value=0,
                max_value=MAX_STOOLS_PER_DAY,
                widget=NumberText(),
                error_messages={"invalid": message, "min_value": message, "max_value": message},
            )
        self.fields["notes"] = forms.CharField(
            label=_("Notes (optional)"),
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Anything else about the day your care team should know."),
            error_messages={"max_length": _("Keep the notes to 2,000 characters or fewer.")},
        )

    @property
    def day(self) -> date | None:
        return self.fixed_day or self.cleaned_data.get("day")

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        errors = diary_day_errors(day=day, today=self.today)
        if errors:
            raise forms.ValidationError(errors)
        return day

    def clean(self):
        cleaned = super().clean()
        if self.fixed_day is not None:
            errors = diary_day_errors(day=self.fixed_day, today=self.today)
            if errors:
                raise forms.ValidationError(errors)
        if cleaned.get("other_effect") and not cleaned.get("other_effect_text", "").strip():
            self.add_error(
                "other_effect_text",
                _("Say which other side effect you had, e.g. “dry mouth”, or set it to none."),
            )
        self._clean_glucose(cleaned)
        if cleaned.get("no_side_effects"):
            for name in catalogue.FIELDS:
                if name in self.fields and cleaned.get(name) is None:
                    cleaned[name] = Severity.NONE
        if not self.errors and not self._answered(cleaned):
            raise forms.ValidationError(NOTHING_ANSWERED, code="empty")
        return cleaned

    def _answered(self, cleaned) -> bool:
        """Whether anything at all was answered: a day with no answer is not saved."""
        if cleaned.get("dose"):
            return True
        for name in ENTRY_FIELDS:
            value = cleaned.get(name)
            if isinstance(value, str):
                value = value.strip()
            if value not in (None, ""):
                return True
        return False

    def severity_fields(self):
        """The side-effect items this form asks, for the compact grid."""
        return [self[name] for name, field in self.fields.items() if getattr(field, "severity", 0)]

    def reading_fields(self):
        """Glucose and stools, for the patients asked them."""
        names = ("fasting_glucose", "glucose_unit", "stools_per_day")
        return [self[name] for name in names if name in self.fields]

    def scale_fields(self):
        return [self[name] for name, *_rest in SCALES]

    def _clean_glucose(self, cleaned) -> None:
        if "fasting_glucose" not in self.fields:
            return
        value, unit = cleaned.get("fasting_glucose"), cleaned.get("glucose_unit")
        if value is None:
            if unit:
                cleaned["glucose_unit"] = ""
            return
        if not unit:
            self.add_error("glucose_unit", _("Choose the unit of your reading: mmol/L or mg/dL."))
            return
        low, high = GLUCOSE_RANGES[unit]
        if not low <= value <= high:
            self.add_error(
                "fasting_glucose",
                _(
                    "A fasting glucose in %(unit)s is between %(low)s and %(high)s: check the "
                    "number and the unit."
                )
                % {"unit": unit, "low": low, "high": high},
            )

    def entry_values(self) -> dict:
        """The diary fields this form asked, for diary_entry_save."""
        data = self.cleaned_data
        values = {name: data[name] for name in ENTRY_FIELDS if name in self.fields}
        for name in ("other_effect_text", "notes", "glucose_unit"):
            if name in values:
                values[name] = (values[name] or "").strip()
        if not values.get("other_effect"):
            values["other_effect_text"] = ""
        return values

    def dose_status(self) -> str:
        return self.cleaned_data.get("dose", "") or ""


def _tap_one_of(labels: dict):
    """The message for an answer that is not one of the taps: it names them, in the reader's
    language."""
    answers = lazy(lambda: ", ".join(str(label) for label in labels.values()), str)()
    return format_lazy(_("Tap one of: {answers}."), answers=answers)


class MorningCheckinForm(forms.Form):
    """One tap of the morning check-in: how the night's sleep was, or what the dreams were."""

    sleep = forms.ChoiceField(
        choices=list(SLEEP_TAPS.items()),
        required=False,
        error_messages={"invalid_choice": _tap_one_of(SLEEP_TAP_LABELS)},
    )
    dreams = forms.ChoiceField(
        choices=list(DREAM_TAPS.items()),
        required=False,
        error_messages={"invalid_choice": _tap_one_of(DREAM_TAP_LABELS)},
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("sleep") and not cleaned.get("dreams") and not self.errors:
            raise forms.ValidationError(_("Tap how you slept, or what your dreams were like."))
        return cleaned

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "sleep_quality": SLEEP_TAPS[data["sleep"]] if data.get("sleep") else None,
            "vivid_dreams": DREAM_TAPS[data["dreams"]] if data.get("dreams") else None,
        }


class PGICForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_(
            "Since you started LDN, how would you describe the change in your condition overall?"
        ),
        choices=PGICResponse.Score.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": PGIC_UNANSWERED, "invalid_choice": PGIC_UNANSWERED},
    )
