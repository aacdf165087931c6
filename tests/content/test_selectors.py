from datetime import date

import pytest
from django.http import Http404

from portal.content.models import Audience
from portal.content.selectors import (
    article_for,
    articles_due_for_review,
    articles_for_tags,
    library_articles,
    library_tags,
    visible_articles,
)
from portal.content.services import article_archive, article_save
from tests.content.factories import ArticleFactory, content

pytestmark = pytest.mark.django_db


def slugs(articles):
    return [article.slug for article in articles]


@pytest.fixture
def audiences(db):
    return {
        "patients": content(slug="for-patients", audience=Audience.PATIENTS),
        "providers": content(slug="for-providers", audience=Audience.PROVIDERS),
        "both": content(slug="for-both", audience=Audience.BOTH),
    }


def test_it_shows_patients_patient_and_shared_articles_only(audiences, patient_user):
    assert set(slugs(visible_articles(viewer=patient_user))) == {"for-patients", "for-both"}


def test_it_shows_providers_and_admins_every_audience(audiences, provider, admin_user):
    everything = {"for-patients", "for-providers", "for-both"}

    assert set(slugs(visible_articles(viewer=provider))) == everything
    assert set(slugs(visible_articles(viewer=admin_user))) == everything


def test_it_hides_drafts_unpublished_reviews_and_archived_articles(admin_user, provider):
    ArticleFactory(slug="draft")
    in_review = ArticleFactory(slug="in-review", status="in_review")
    archived = content(slug="archived")
    article_archive(article=archived, by=admin_user)
    content(slug="live")

    assert slugs(visible_articles(viewer=provider)) == ["live"]
    for slug in ("draft", in_review.slug, "archived"):
        with pytest.raises(Http404):
            article_for(viewer=provider, slug=slug)


def test_it_shows_nothing_to_anonymous_visitors(audiences):
    from django.contrib.auth.models import AnonymousUser

    assert not visible_articles(viewer=AnonymousUser()).exists()


def test_it_raises_404_for_an_article_of_another_audience(audiences, patient_user, provider):
    with pytest.raises(Http404):
        article_for(viewer=patient_user, slug="for-providers")

    assert article_for(viewer=provider, slug="for-providers").slug == "for-providers"


def test_it_keeps_an_edited_article_live_with_its_published_text(admin_user, patient_user):
    article = content(slug="kept", title="Published title")
    article.title = "Pending title"
    article_save(article=article, by=admin_user, content_changed=True)

    found = article_for(viewer=patient_user, slug="kept")

    assert found.live_version.title == "Published title"


def test_it_orders_guidance_by_matching_tags_then_title(patient_user):
    content(slug="b-sleep", title="B sleep", tags=["sleep"])
    content(slug="a-sleep", title="A sleep", tags=["sleep"])
    content(slug="both", title="Z both", tags=["sleep", "side-effects"])
    content(slug="other", title="Other", tags=["nausea"])

    found = articles_for_tags(viewer=patient_user, tags=["sleep", "side-effects"])

    assert slugs(found) == ["both", "a-sleep", "b-sleep"]


def test_it_limits_guidance_and_ignores_empty_tags(patient_user):
    for n in range(5):
        content(slug=f"sleep-{n}", title=f"Sleep {n}", tags=["sleep"])

    assert len(articles_for_tags(viewer=patient_user, tags=["sleep"])) == 3
    assert len(articles_for_tags(viewer=patient_user, tags=["sleep"], limit=1)) == 1
    assert articles_for_tags(viewer=patient_user, tags=[]) == []
    assert articles_for_tags(viewer=patient_user, tags=["", "unknown"]) == []


def test_it_picks_guidance_the_viewer_may_read_by_live_tags_only(patient_user, provider):
    content(slug="clinicians", tags=["opioids"], audience=Audience.PROVIDERS)
    ArticleFactory(slug="draft", tags=["opioids"])
    content(slug="patients", tags=["opioids"], audience=Audience.PATIENTS)

    assert slugs(articles_for_tags(viewer=patient_user, tags=["opioids"])) == ["patients"]
    assert set(slugs(articles_for_tags(viewer=provider, tags=["opioids"]))) == {
        "clinicians",
        "patients",
    }


def test_it_searches_titles_summaries_and_bodies(patient_user):
    content(slug="dreams", title="Vivid dreams", summary="Night time.", body="Sleep words.")
    content(slug="nausea", title="Feeling sick", summary="Nausea passes.", body="Ginger tea.")
    content(slug="surgery", title="Surgery", summary="Before an operation.", body="Anaesthetist.")

    assert slugs(library_articles(viewer=patient_user, query="dreams")) == ["dreams"]
    assert slugs(library_articles(viewer=patient_user, query="nausea")) == ["nausea"]
    assert slugs(library_articles(viewer=patient_user, query="anaesthetist")) == ["surgery"]
    assert slugs(library_articles(viewer=patient_user, query="ginger tea")) == ["nausea"]
    assert slugs(library_articles(viewer=patient_user, query="ginger surgery")) == []
    assert slugs(library_articles(viewer=patient_user, query="xylophone")) == []


def test_it_searches_only_what_the_viewer_may_read(patient_user):
    content(slug="providers", title="Titration protocols", audience=Audience.PROVIDERS)
    ArticleFactory(slug="draft", title="Titration draft")

    assert slugs(library_articles(viewer=patient_user, query="titration")) == []


def test_it_filters_by_topic_and_by_condition(patient_user):
    content(slug="thyroid", title="Thyroid", tags=["thyroid", "hashimotos"])
    content(slug="fibro", title="Fibro", tags=["evidence", "fibromyalgia"])
    content(slug="evidence", title="Evidence", tags=["evidence"])

    assert slugs(library_articles(viewer=patient_user, topic="evidence")) == ["evidence", "fibro"]
    assert slugs(library_articles(viewer=patient_user, condition="hashimotos")) == ["thyroid"]
    assert slugs(
        library_articles(viewer=patient_user, topic="evidence", condition="fibromyalgia")
    ) == ["fibro"]
    assert slugs(library_articles(viewer=patient_user, condition="evidence")) == []


def test_it_lists_browsable_tags_with_counts_of_readable_articles(patient_user):
    content(tags=["sleep", "hashimotos"])
    content(tags=["sleep"])
    content(tags=["protocols"], audience=Audience.PROVIDERS)
    ArticleFactory(tags=["nausea"])

    tags = library_tags(viewer=patient_user)

    assert [(tag.slug, tag.article_count) for tag in tags["topics"]] == [("sleep", 2)]
    assert [(tag.slug, tag.article_count) for tag in tags["conditions"]] == [("hashimotos", 1)]


def test_it_lists_live_articles_past_their_review_date(db, settings):
    settings.CONTENT_REVIEW_MONTHS = 6
    content(slug="old", last_reviewed=date(2026, 5, 21))
    content(slug="recent", last_reviewed=date(2026, 5, 22))
    ArticleFactory(slug="never-published", last_reviewed=date(2020, 1, 1))

    assert slugs(articles_due_for_review(today=date(2026, 11, 21))) == ["old"]
    assert slugs(articles_due_for_review(today=date(2026, 11, 21), months=12)) == []
