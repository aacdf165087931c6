"""The time zone list: common zones first, then grouped by region, old aliases hidden but
still accepted."""

from portal.accounts.forms import AccountForm, timezone_choices


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
