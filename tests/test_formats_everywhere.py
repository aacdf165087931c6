"""One format for dates and times, including what Django writes by itself (the admin)."""

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from portal.accounts.services import invitation_create
from portal.lib import formats as portal_formats
from portal.lib import widgets
from portal.notifications.forms import PreferencesForm
from portal.notifications.services import preferences_for


def test_django_writes_dates_and_times_as_the_portal_does():
    day, instant = date(2026, 11, 26), datetime(2026, 11, 26, 19, 10, tzinfo=UTC)

    assert formats.date_format(day) == "26 Nov 2026"
    assert formats.date_format(instant, "DATETIME_FORMAT") == "26 Nov 2026, 7:10 pm"
    assert formats.time_format(time(7, 5)) == "7:05 am"
    assert Template("{{ day }} · {{ day|date }}").render(Context({"day": day})) == (
        "26 Nov 2026 · 26 Nov 2026"
    )


@pytest.mark.django_db
def test_the_admin_lists_invitations_with_the_portal_s_dates(client_for, admin_user, provider):
    invitation_create(email="new@example.org", role="patient", invited_by=provider)

    page = client_for(admin_user).get("/admin/accounts/invitation/").content.decode()

    assert "a.m." not in page and "p.m." not in page
    assert "Nov. " not in page


@pytest.mark.parametrize(
    ("at", "written"),
    [
        (time(19, 10), "7:10 pm"),
        (time(7, 10), "7:10 am"),
        (time(0, 5), "12:05 am"),
        (time(12, 0), "12:00 pm"),
        (time(22, 30), "10:30 pm"),
    ],
)
def test_english_writes_times_on_the_12_hour_clock_everywhere(at, written):
    instant = datetime(2026, 11, 26, at.hour, at.minute, tzinfo=UTC)

    assert portal_formats.clock(at) == written
    assert portal_formats.when(instant, "UTC") == f"Thu 26 Nov 2026, {written}"
    assert Template("{{ t|time }}").render(Context({"t": at})) == written
    assert Template("{% load formats %}{{ t|time_format }}").render(Context({"t": at})) == written


def test_doses_are_written_without_trailing_zeros():
    assert portal_formats.dose(Decimal("1.500")) == "1.5 mg"
    assert portal_formats.dose(Decimal("4.500")) == "4.5 mg"
    assert portal_formats.dose(Decimal("10.000")) == "10 mg"


@pytest.mark.django_db
def test_the_admin_lists_protocols_with_the_portal_s_doses(client_for, admin_user):
    page = client_for(admin_user).get("/admin/regimens/protocol/").content.decode()

    assert "1.5 mg" in page and "4.5 mg" in page
    assert "1.500" not in page and "4.500" not in page


APPS = ("portal", "patients", "regimens", "messaging", "interop")
ROOT = Path(__file__).resolve().parent.parent


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, path.read_text()


def test_dates_are_never_written_with_strftime_month_names():
    """strftime writes English month and day names whatever the reader's language."""
    found = [
        str(path.relative_to(ROOT))
        for path, text in _sources()
        if re.search(r"strftime\([^)]*%[abAB]", text)
    ]
    assert found == []


def test_date_and_time_widgets_are_the_shared_ones():
    own = re.compile(r"^class \w+\((forms\.)?(DateInput|TimeInput|DateTimeInput)\)", re.M)
    found = [
        str(path.relative_to(ROOT))
        for path, text in _sources()
        if own.search(text) and path != ROOT / "portal" / "lib" / "widgets.py"
    ]
    assert found == []


@pytest.mark.django_db
def test_the_reminder_settings_use_the_shared_time_picker(patient_user):
    form = PreferencesForm(instance=preferences_for(patient_user), user=patient_user)

    for name in ("dose_time", "diary_time", "quiet_start", "quiet_end"):
        assert type(form.fields[name].widget) is widgets.TimeInput


def test_a_day_is_the_calendar_day_of_the_instant_in_its_own_zone():
    """Days are formatted once per day and language; one instant seen in two zones is two
    days, whichever zone asks first."""
    instant = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    madrid = instant.astimezone(ZoneInfo("Europe/Madrid"))
    los_angeles = instant.astimezone(ZoneInfo("America/Los_Angeles"))

    assert portal_formats.day(madrid) == "26 Nov 2026"
    assert portal_formats.day(los_angeles) == "25 Nov 2026"
    assert portal_formats.short_day(los_angeles) == "25 Nov"
    with translation.override("es"):
        assert portal_formats.day(madrid) == "26 nov 2026"


def test_a_run_of_days_is_written_as_each_day_is_in_the_active_language():
    days = [date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1)]

    assert portal_formats.short_days(days) == ["30 Dec", "31 Dec", "1 Jan"]
    with translation.override("es"):
        assert portal_formats.short_days(days) == ["30 dic", "31 dic", "1 ene"]
        assert portal_formats.short_days(days) == [portal_formats.short_day(d) for d in days]
