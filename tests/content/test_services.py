from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from portal.content.models import Article, Status
from portal.content.services import (
    article_archive,
    article_preview,
    article_publish,
    article_save,
    article_submit_for_review,
)
from tests.content.factories import ArticleFactory, content, tags_for

pytestmark = pytest.mark.django_db


def test_it_saves_a_new_article_as_a_draft_written_by_the_admin(admin_user):
    article = Article(title="New", slug="new", summary="s", body="b", status=Status.PUBLISHED)

    article_save(article=article, by=admin_user, content_changed=True)

    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert article.author == admin_user
    assert article.live_version is None


def test_it_publishes_the_working_copy_as_version_one(admin_user, provider):
    article = ArticleFactory(
        title="Sleep", body="## Dreams\n\nText.", clinical_reviewer=provider, tags=["sleep"]
    )

    version = article_publish(
        article=article, by=admin_user, now=datetime(2026, 11, 21, tzinfo=UTC)
    )

    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert article.live_version == version
    assert version.number == 1
    assert version.title == "Sleep"
    assert version.published_by == admin_user
    assert version.clinical_reviewer == provider
    assert version.last_reviewed == date(2026, 11, 21)
    assert [tag.slug for tag in version.tags.all()] == ["sleep"]
    assert version.sources[0]["url"].startswith("https://")


def test_it_keeps_the_live_version_while_edits_wait_for_review(admin_user):
    article = content(title="Old title", body="Old words.")
    article.title = "New title"
    article.body = "New words."

    article_save(article=article, by=admin_user, content_changed=True)

    article.refresh_from_db()
    assert article.status == Status.IN_REVIEW
    assert article.live_version.title == "Old title"
    assert article.live_version.body == "Old words."
    assert article.is_live

    version = article_publish(article=article, by=admin_user)

    article.refresh_from_db()
    assert version.number == 2
    assert article.live_version.title == "New title"
    assert article.versions.count() == 2
    assert article.status == Status.PUBLISHED


def test_it_keeps_the_live_tags_until_new_tags_are_published(admin_user):
    article = content(tags=["sleep"])
    article.tags.set(tags_for(["nausea"]))
    article_save(article=article, by=admin_user, content_changed=True)

    assert [tag.slug for tag in article.live_version.tags.all()] == ["sleep"]

    article_publish(article=article, by=admin_user)
    article.refresh_from_db()
    assert [tag.slug for tag in article.live_version.tags.all()] == ["nausea"]


def test_it_leaves_a_published_article_published_when_nothing_changed(admin_user):
    article = content()

    article_save(article=article, by=admin_user, content_changed=False)

    assert article.status == Status.PUBLISHED


def test_it_refuses_to_publish_without_a_clinical_reviewer(admin_user):
    article = ArticleFactory(clinical_reviewer=None)

    with pytest.raises(ValidationError, match="Name the clinical reviewer"):
        article_publish(article=article, by=admin_user)

    article.refresh_from_db()
    assert article.live_version is None


def test_it_lets_only_admins_publish_or_archive(provider, patient_user):
    article = ArticleFactory(clinical_reviewer=provider)

    for user in (provider, patient_user):
        with pytest.raises(PermissionDenied):
            article_publish(article=article, by=user)
        with pytest.raises(PermissionDenied):
            article_archive(article=article, by=user)
    assert article.versions.count() == 0


def test_it_refuses_to_publish_an_article_without_waiting_changes(admin_user):
    article = content()

    with pytest.raises(ValidationError, match="already live"):
        article_publish(article=article, by=admin_user)


def test_it_refuses_to_publish_an_invalid_working_copy(admin_user):
    article = ArticleFactory(sources="Bad | javascript:alert(1)")

    with pytest.raises(ValidationError):
        article_publish(article=article, by=admin_user)


@time_machine.travel(datetime(2027, 3, 4, 12, tzinfo=UTC), tick=False)
def test_it_uses_today_as_the_review_date_when_none_is_given(admin_user):
    article = ArticleFactory(last_reviewed=None)

    version = article_publish(article=article, by=admin_user)

    assert version.last_reviewed == date(2027, 3, 4)
    article.refresh_from_db()
    assert article.last_reviewed == date(2027, 3, 4)


def test_it_archives_an_article_and_publishing_brings_it_back(admin_user):
    article = content()

    article_archive(article=article, by=admin_user)
    article.refresh_from_db()
    assert article.status == Status.ARCHIVED
    assert not article.is_live

    article_publish(article=article, by=admin_user)
    article.refresh_from_db()
    assert article.is_live
    assert article.live_version.number == 2


def test_it_sends_only_drafts_for_review(admin_user):
    draft = ArticleFactory()

    article_submit_for_review(article=draft, by=admin_user)

    assert draft.status == Status.IN_REVIEW
    with pytest.raises(ValidationError, match="Only a draft"):
        article_submit_for_review(article=content(), by=admin_user)


def test_it_previews_the_working_copy_as_the_next_version_without_saving(admin_user):
    article = content(title="Live")
    article.title = "Pending"
    article.sources = "Leaflet | https://example.org/leaflet"

    preview = article_preview(article)

    assert preview.pk is None
    assert preview.number == 2
    assert preview.title == "Pending"
    assert preview.source_list == [{"text": "Leaflet", "url": "https://example.org/leaflet"}]
    assert article.versions.count() == 1


def test_it_records_every_saved_edit_in_the_history(admin_user):
    article = ArticleFactory(title="First")
    article.title = "Second"

    article_save(article=article, by=admin_user, content_changed=True)
    article_publish(article=article, by=admin_user)

    titles = list(article.history.order_by("history_date").values_list("title", flat=True))
    assert titles[-2:] == ["Second", "Second"]
    assert article.history.latest().history_user == admin_user
    assert article.history.latest().status == Status.PUBLISHED
