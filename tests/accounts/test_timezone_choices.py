"""The time zone list: common zones first, then grouped by region, old aliases hidden but
still accepted."""

import re

import pytest
from django import forms

from portal.accounts.forms import AccountForm, TimezoneField, timezone_choices
from portal.lib.widgets import LongSelect


def test_common_zones_come_first_then_one_group_per_region():
    groups = timezone_choices()

    names = [label for label, _zones in groups]
    assert names[0] == "Common" and names[1:] == [
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ]
    assert groups[0][1][0] == ("Europe/London", "Europe/London")
    europe = dict(groups[names.index("Europe")][1])
    assert europe["Europe/Kyiv"] == "Kyiv"
    assert "Europe/Kiev" not in europe
    offered = {zone for _label, zones in groups for zone, _name in zones}
    assert "Asia/Kolkata" in offered and "Africa/Abidjan" in offered
    assert not {"Asia/Calcutta", "US/Eastern", "Etc/GMT+5", "GB"} & offered
    assert len(offered) < 450


def test_an_alias_a_user_already_has_is_still_accepted(db):
    form = AccountForm(data={"name": "Pat", "timezone": "Asia/Calcutta"})

    assert form.is_valid(), form.errors


def _tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("value", ["Europe/London", "America/New_York", "Asia/Calcutta", "", None])
def test_the_time_zone_select_is_written_as_django_writes_a_select(value):
    """LongSelect writes the time zones itself, faster than a template per option: the same
    HTML as Django's select, with the field's attributes, the groups and the one selected."""
    attrs = {"id": "id_timezone", "required": True, "aria-describedby": "id_timezone_helptext"}
    field = TimezoneField()
    django_select = forms.Select(attrs={"data-timezone": ""}, choices=field.choices)

    written = field.widget.render("timezone", value, attrs=attrs)

    assert type(field.widget) is LongSelect
    assert _tags(written) == _tags(django_select.render("timezone", value, attrs=attrs))
    assert written.count(" selected") == (
        1 if value in ("Europe/London", "America/New_York") else 0
    )


def test_a_select_of_plain_options_and_a_repeated_value_selects_the_first_only():
    choices = [("", "Pick one"), ("a", "A & B"), ("Group", [("b", "<b>"), ("a", "A again")])]

    written = LongSelect(choices=choices).render("pick", "a", attrs={"id": "id_pick"})

    assert _tags(written) == _tags(
        forms.Select(choices=choices).render("pick", "a", {"id": "id_pick"})
    )
    assert '<option value="a" selected>A &amp; B</option>' in written
    assert "&lt;b&gt;" in written
