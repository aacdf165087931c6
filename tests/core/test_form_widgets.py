"""Widgets the portal writes itself for speed write exactly what Django's templates write."""

from datetime import date

import pytest
from django import forms

from patients.forms.diary import DiaryEntryForm
from patients.selectors.diary import DiaryQuestions
from portal.lib.widgets import option_input

TODAY = date(2026, 3, 10)


def _options(form):
    for field in form:
        if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            yield from field


def _diary_form(data=None):
    return DiaryEntryForm(
        data,
        questions=DiaryQuestions(thyroid=True, glucose=True, stools=True),
        today=TODAY,
        day=None,
        ask_dose=True,
        written_days={TODAY},
    )


@pytest.mark.parametrize(
    "data",
    [
        None,  # a new day: nothing ticked
        {"pain": "4", "headache": "2", "dose": "taken", "day": "2026-03-09"},
        {"pain": "11", "headache": "x", "day": "2026-03-10"},  # refused: the fields marked
    ],
)
def test_each_radio_of_the_diary_is_written_as_its_tag(data):
    form = _diary_form(data)
    if data:
        form.is_valid()
    options = list(_options(form))

    assert len(options) > 60
    assert [option_input(o) for o in options] == [o.tag() for o in options]
    if data and "pain" in data:
        assert any(" checked" in option_input(o) for o in options)


class Choices(forms.Form):
    pick = forms.ChoiceField(choices=[("a", 'A "quoted"'), ("<b>", "B")], widget=forms.RadioSelect)
    many = forms.MultipleChoiceField(
        choices=[(1, "One"), (2, "Two")], widget=forms.CheckboxSelectMultiple, required=False
    )


def test_values_are_escaped_and_checkboxes_written_as_their_tags():
    form = Choices({"pick": "<b>", "many": ["2"]})
    form.is_valid()
    options = list(_options(form))

    assert [option_input(o) for o in options] == [o.tag() for o in options]
    assert 'value="&lt;b&gt;"' in option_input(options[1])
