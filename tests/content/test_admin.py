from datetime import date

import pytest

from portal.content.models import Article, Status
from tests.content.factories import ArticleFactory, content, tags_for

pytestmark = pytest.mark.django_db

ADD = "/admin/content/article/add/"


def article_form(**overrides):
    data = {
        "title": "Sleep and LDN",
        "slug": "sleep-and-ldn",
        "summary": "How LDN can change sleep.",
        "body": "## Dreams\n\nThey often settle.",
        "audience": "patients",
        "sources": "Younger J. Pilot. 2009. | https://www.ldnscience.org/research/pmid19453963",
        "author": "",
        "clinical_reviewer": "",
        "last_reviewed": "",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_it_keeps_patients_and_providers_out_of_the_article_admin(
    client_for, patient_user, provider
):
    article = ArticleFactory()

    for user in (patient_user, provider):
        client = client_for(user)
        for url in (ADD, f"/admin/content/article/{article.pk}/preview/"):
            assert client.get(url).status_code in (302, 403), (user, url)
        client.post(f"/admin/content/article/{article.pk}/publish/")
    assert article.versions.count() == 0


def test_it_lets_an_admin_write_a_draft(client_for, admin_user):
    sleep = tags_for(["sleep"])[0]

    response = client_for(admin_user).post(ADD, article_form(tags=[sleep.pk]))

    assert response.status_code == 302
    article = Article.objects.get(slug="sleep-and-ldn")
    assert article.status == Status.DRAFT
    assert article.author == admin_user
    assert list(article.tags.all()) == [sleep]
    assert article.history.latest().history_user == admin_user


def test_it_explains_a_duplicate_address_instead_of_failing(client_for, admin_user):
    ArticleFactory(slug="sleep-and-ldn")

    response = client_for(admin_user).post(ADD, article_form(slug="Sleep-And-LDN"))

    assert response.status_code == 200
    assert "Another article already uses the address" in response.content.decode()
    assert Article.objects.filter(slug__iexact="sleep-and-ldn").count() == 1


def test_it_refuses_a_source_link_that_is_not_a_web_address(client_for, admin_user):
    response = client_for(admin_user).post(ADD, article_form(sources="Bad | javascript:alert(1)"))

    assert response.status_code == 200
    assert "must start with http:// or https://" in response.content.decode()
    assert not Article.objects.exists()


def test_it_sends_an_edited_published_article_back_to_review(client_for, admin_user):
    article = content(title="Old title", slug="sleep-and-ldn", clinical_reviewer=admin_user)

    response = client_for(admin_user).post(
        f"/admin/content/article/{article.pk}/change/",
        article_form(
            title="New title",
            clinical_reviewer=admin_user.pk,
            author=admin_user.pk,
            last_reviewed="2026-11-21",
        ),
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.IN_REVIEW
    assert article.title == "New title"
    assert article.live_version.title == "Old title"


def test_it_previews_the_pending_version_with_the_public_template(client_for, admin_user):
    article = content(title="Live title", body="Live words.")
    article.body = "Pending words with <script>alert(1)</script>."
    article.title = "Pending title"
    article.save()

    response = client_for(admin_user).get(f"/admin/content/article/{article.pk}/preview/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview of version 2" in html
    assert "Pending title</h1>" in html
    assert "Pending words with ." in html
    assert "alert(1)" not in html
    assert "Live words." not in html


def test_it_asks_before_publishing_and_publishes_on_post(client_for, admin_user):
    article = ArticleFactory(title="Ready", clinical_reviewer=admin_user)
    client = client_for(admin_user)
    url = f"/admin/content/article/{article.pk}/publish/"

    assert "Publish now" in client.get(url).content.decode()
    assert article.versions.count() == 0

    response = client.post(url, follow=True)

    assert "Version 1 is live." in response.content.decode()
    article.refresh_from_db()
    assert article.is_live
    assert article.live_version.published_by == admin_user


def test_it_shows_why_an_article_cannot_be_published(client_for, admin_user):
    article = ArticleFactory(clinical_reviewer=None)

    response = client_for(admin_user).post(
        f"/admin/content/article/{article.pk}/publish/", follow=True
    )

    assert "Name the clinical reviewer before publishing." in response.content.decode()
    assert article.versions.count() == 0


def test_it_publishes_and_archives_from_the_list(client_for, admin_user):
    draft = ArticleFactory(clinical_reviewer=admin_user)
    live = content()
    client = client_for(admin_user)
    changelist = "/admin/content/article/"

    client.post(changelist, {"action": "publish_selected", "_selected_action": [draft.pk]})
    client.post(changelist, {"action": "archive_selected", "_selected_action": [live.pk]})

    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.is_live
    assert live.status == Status.ARCHIVED


def test_it_lists_articles_past_their_review_date(client_for, admin_user, settings):
    settings.CONTENT_REVIEW_MONTHS = 12
    content(title="Overdue article", last_reviewed=date(2020, 1, 1))
    content(title="Fresh article", last_reviewed=date(2099, 1, 1))
    client = client_for(admin_user)

    everything = client.get("/admin/content/article/").content.decode()
    due = client.get("/admin/content/article/", {"review": "due"}).content.decode()

    assert "1 live article is past its review date." in everything
    assert "overdue" in everything
    assert "Overdue article" in due
    assert "Fresh article" not in due


def test_it_keeps_published_articles_from_being_deleted(client_for, admin_user):
    live = content()
    draft = ArticleFactory()
    client = client_for(admin_user)

    assert client.get(f"/admin/content/article/{live.pk}/delete/").status_code == 403
    assert client.get(f"/admin/content/article/{draft.pk}/delete/").status_code == 200


def test_it_shows_the_version_history(client_for, admin_user):
    article = content()

    response = client_for(admin_user).get(f"/admin/content/article/{article.pk}/history/")

    assert response.status_code == 200


def test_it_lets_an_admin_manage_tags(client_for, admin_user):
    response = client_for(admin_user).post(
        "/admin/content/tag/add/", {"kind": "condition", "slug": "lupus", "name": "Lupus"}
    )

    assert response.status_code == 302
    assert client_for(admin_user).get("/admin/content/tag/").status_code == 200
