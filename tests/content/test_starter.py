import importlib
import re
from datetime import UTC, date, datetime

import pytest
from django.apps import apps

from portal.content.models import Article, Status
from portal.content.starter import (
    CONDITION_NAMES,
    STARTER_DIR,
    TOPIC_NAMES,
    StarterError,
    load_starter,
    parse_starter,
    starter_articles,
)

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


def test_it_parses_every_starter_file():
    articles = starter_articles()

    assert len(articles) == len(list(STARTER_DIR.glob("*.md"))) == 14
    assert len({article.slug for article in articles}) == 14
    for article in articles:
        assert article.title and article.summary and article.body.strip(), article.slug
        assert article.audience in ("patients", "providers", "both")
        assert set(article.topics) <= set(TOPIC_NAMES), article.slug
        assert set(article.conditions) <= set(CONDITION_NAMES), article.slug
        assert article.sources, article.slug
        for source in article.sources:
            assert source["text"] and source["url"].startswith(("http://", "https://"))


def test_it_reads_front_matter_lists_and_sources():
    article = parse_starter(
        "---\n"
        "title: Thyroid\n"
        "slug: thyroid\n"
        "summary: About thyroid.\n"
        "audience: patients\n"
        "topics: thyroid, dosing\n"
        "conditions: hashimotos\n"
        "sources: One | https://one.example ;; Two, no link\n"
        "---\n\n## Body\n"
    )

    assert article.topics == ["thyroid", "dosing"]
    assert article.conditions == ["hashimotos"]
    assert article.sources == [
        {"text": "One", "url": "https://one.example"},
        {"text": "Two, no link", "url": ""},
    ]
    assert article.sources_text == "One | https://one.example\nTwo, no link"
    assert article.body == "## Body\n"


@pytest.mark.parametrize(
    "text",
    [
        "no front matter",
        "---\ntitle: T\nslug: t\nsummary: s\naudience: patients\n",
        "---\ntitle: T\nslug: t\naudience: patients\n---\nbody",
        "---\ntitle: T\nslug: t\nsummary: s\naudience: everyone\n---\nbody",
    ],
)
def test_it_refuses_a_malformed_starter_file(text):
    with pytest.raises(StarterError):
        parse_starter(text, name="bad.md")


@pytest.mark.django_db
def test_it_loads_the_starter_library_as_published_reviewed_articles(client_for, provider):
    created = load_starter(apps, now=NOW)

    assert created == 14
    client = client_for(provider)
    for item in starter_articles():
        article = Article.objects.get(slug=item.slug)
        assert article.status == Status.PUBLISHED
        assert article.is_live
        assert article.live_version.last_reviewed == date(2026, 11, 21)
        assert sorted(t.slug for t in article.live_version.tags.all()) == sorted(
            item.topics + item.conditions
        )
        html = client.get(f"/library/{item.slug}/").content.decode()
        assert "Last reviewed 21 Nov 2026" in html
        body = str(article.live_version.body_html)
        assert "<h2>" in body
        assert "&lt;" not in body, item.slug  # no raw HTML escaped into the text
        assert not re.search(r"^\s*(#+ |\|---)", body, re.MULTILINE), item.slug
        assert "<script" not in body and "javascript:" not in body


@pytest.mark.django_db
def test_it_loads_again_without_touching_articles_admins_edited():
    load_starter(apps, now=NOW)
    article = Article.objects.get(slug="missed-doses")
    article.title = "Edited by an admin"
    article.save()

    assert load_starter(apps, now=NOW) == 0
    assert Article.objects.get(slug="missed-doses").title == "Edited by an admin"
    assert Article.objects.count() == 14


@pytest.mark.django_db
def test_it_loads_the_starter_library_from_the_data_migration():
    migration = importlib.import_module("portal.content.migrations.0002_starter_library")

    migration.load(apps, schema_editor=None)

    live = Article.objects.live()
    assert live.count() == 14
    assert {a.live_version.last_reviewed for a in live} == {date(2026, 11, 21)}
