"""The staff home: each thing an admin looks after, counted, one click away."""

import pytest
from django.urls import reverse

from tests.content.factories import content

pytestmark = pytest.mark.django_db


def test_the_staff_home_counts_what_admins_look_after_and_links_each(client_for, admin_user):
    content(slug="waiting", title="Waiting", tags=["sleep"], audience="patients")

    response = client_for(admin_user).get(reverse("admin_home"))

    sections = {s.label: s for s in response.context["sections"]}
    assert set(sections) == {
        "Articles waiting for clinical review",
        "Articles past their review date",
        "Invitations not yet accepted",
        "Protocols in use",
        "Conditions",
        "Active users",
        "Care-team memberships",
        "Record reads in the last 7 days",
    }
    assert sections["Active users"].count >= 1
    page = response.content.decode()
    for section in sections.values():
        assert f'<a href="{section.url}">{section.label}</a>' in page
    for section in sections.values():
        assert client_for(admin_user).get(section.url).status_code == 200
