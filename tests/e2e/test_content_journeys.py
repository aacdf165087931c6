import re

import pytest

from portal.content.models import Article, Audience, Tag, TagKind
from tests.content.factories import content
from tests.e2e.helpers import log_in
from tests.factories import TEST_TOTP_SECRET, AdminFactory, PatientUserFactory

pytestmark = pytest.mark.e2e


def test_an_admin_writes_previews_and_publishes_an_article(page, axe_check):
    AdminFactory(email="editor@example.org", name="Eda Editor")
    Tag.objects.get_or_create(
        slug="fibromyalgia", defaults={"kind": TagKind.CONDITION, "name": "Fibromyalgia"}
    )

    log_in(page, "editor@example.org", totp_secret=TEST_TOTP_SECRET)
    page.wait_for_url("**/staff/")
    page.goto("/admin/content/article/add/")
    page.get_by_label("Title:").fill("Pacing with fibromyalgia")
    page.get_by_label("Title:").press("Tab")
    # The address fills itself in from the title (the admin's prepopulated field).
    assert page.get_by_label("Address:").input_value() == "pacing-with-fibromyalgia"
    page.get_by_label("Summary:").fill("How to spread activity across the day.")
    page.get_by_label("Body:").fill(
        "## Why pace\n\nPacing spreads activity out. [More](https://example.org/pacing)"
    )
    page.get_by_label("Audience:").select_option("patients")
    page.locator("#id_tags_from").select_option(label="Fibromyalgia (condition)")
    page.locator("#id_tags_add").click()
    page.get_by_label("Sources:").fill("A pacing leaflet | https://example.org/pacing")
    page.get_by_label("Clinical reviewer:").select_option(label="Eda Editor")
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_url(re.compile(r".*/admin/content/article/\d+/change/"))
    article = Article.objects.get(slug="pacing-with-fibromyalgia")
    assert article.status == "draft"

    page.get_by_role("link", name="Preview").click()
    page.wait_for_url(f"**/admin/content/article/{article.pk}/preview/")
    assert page.get_by_role("heading", level=1, name="Pacing with fibromyalgia").is_visible()
    assert page.get_by_text("Preview of version 1").is_visible()
    axe_check(page)

    page.get_by_role("link", name="Back to editing").click()
    page.get_by_role("link", name="Publish", exact=True).click()
    page.get_by_role("button", name="Publish now").click()
    page.wait_for_url(f"**/admin/content/article/{article.pk}/change/")
    assert page.get_by_text("Version 1 is live.").is_visible()
    article.refresh_from_db()
    assert article.is_live
    assert [t.slug for t in article.live_version.tags.all()] == ["fibromyalgia"]


def test_a_patient_finds_an_article_by_search_and_by_condition(page, axe_check):
    PatientUserFactory(email="pat@example.org", name="Pat Lee")
    content(
        slug="pacing-with-fibromyalgia",
        title="Pacing with fibromyalgia",
        summary="How to spread activity across the day.",
        body="## Why pace\n\nPacing spreads activity out across the day.",
        audience=Audience.PATIENTS,
        tags=["fibromyalgia", "tracking"],
    )
    content(slug="clinician-notes", title="Clinician pacing notes", audience=Audience.PROVIDERS)

    log_in(page, "pat@example.org")
    page.wait_for_url("**/patient/")
    page.get_by_role("link", name="Library").click()
    page.wait_for_url("**/library/")
    assert page.get_by_role("heading", level=1, name="Library").is_visible()
    axe_check(page)

    page.get_by_label("Search the library").fill("pacing")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/library/?q=pacing*")
    results = page.get_by_role("link", name="Pacing with fibromyalgia")
    assert results.is_visible()
    assert page.get_by_text("Clinician pacing notes").count() == 0
    axe_check(page)

    results.click()
    page.wait_for_url("**/library/pacing-with-fibromyalgia/")
    assert page.get_by_role("heading", level=1, name="Pacing with fibromyalgia").is_visible()
    assert page.get_by_text(re.compile(r"Last reviewed \d{1,2} \w{3} \d{4}")).is_visible()
    assert page.get_by_text("not medical advice").is_visible()
    axe_check(page)

    page.get_by_role("link", name="Back to the library").click()
    page.get_by_role("region", name="Browse by condition").get_by_role(
        "link", name="Fibromyalgia"
    ).click()
    page.wait_for_url("**/library/?condition=fibromyalgia")
    assert page.get_by_role("link", name="Pacing with fibromyalgia").is_visible()
    axe_check(page)
