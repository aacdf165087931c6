"""One format for dates and times, including what Django writes by itself (the admin)."""

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import formats

from portal.accounts.services import invitation_create


def test_django_writes_dates_and_times_as_the_portal_does():
    day, instant = date(2026, 11, 26), datetime(2026, 11, 26, 19, 10, tzinfo=UTC)

    assert formats.date_format(day) == "26 Nov 2026"
    assert formats.date_format(instant, "DATETIME_FORMAT") == "26 Nov 2026, 19:10"
    assert Template("{{ day }} · {{ day|date }}").render(Context({"day": day})) == (
        "26 Nov 2026 · 26 Nov 2026"
    )


@pytest.mark.django_db
def test_the_admin_lists_invitations_with_the_portal_s_dates(client_for, admin_user, provider):
    invitation_create(email="new@example.org", role="patient", invited_by=provider)

    page = client_for(admin_user).get("/admin/accounts/invitation/").content.decode()

    assert "a.m." not in page and "p.m." not in page
    assert "Nov. " not in page
