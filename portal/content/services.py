"""Writes to the education library: saving the working copy, review and publishing."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.content.models import Article, ArticleRead, ArticleVersion, Status, parse_sources
from portal.content.selectors import library_changed


@transaction.atomic
def article_save(*, article: Article, by: User, content_changed: bool) -> Article:
    """Save the working copy from the admin.

    A new article starts as a draft written by `by`. Changing a published article sends it
    back to review: readers keep seeing the live version until the edits are published.
    """
    if article.pk is None:
        article.status = Status.DRAFT
        article.author = article.author or by
    elif content_changed and article.status == Status.PUBLISHED:
        article.status = Status.IN_REVIEW
    article._history_user = by
    article.save()
    return article


@transaction.atomic
def article_submit_for_review(*, article: Article, by: User) -> Article:
    if article.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be sent for review."))
    article.status = Status.IN_REVIEW
    article._history_user = by
    article.save(update_fields=["status", "updated_at"])
    return article


def article_preview(article: Article) -> ArticleVersion:
    """The working copy as an unsaved version, so the preview uses the public template."""
    return ArticleVersion(
        article=article,
        number=(article.versions.aggregate(n=Max("number"))["n"] or 0) + 1,
        title=article.title,
        summary=article.summary,
        body=article.body,
        audience=article.audience,
        sources=parse_sources(article.sources),
        author=article.author,
        clinical_reviewer=article.clinical_reviewer,
        last_reviewed=article.last_reviewed or timezone.localdate(),
    )


@transaction.atomic
def article_publish(*, article: Article, by: User, now=None) -> ArticleVersion:
    """Publish the working copy as the next version; it replaces the live one at once.

    Only admins publish, and only an article with a named clinical reviewer. An empty
    "last reviewed" date becomes today.
    """
    if not by.is_admin:
        raise PermissionDenied
    now = now or timezone.now()
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.status == Status.PUBLISHED and article.live_version_id:
        raise ValidationError(_("This article has no changes waiting: it is already live."))
    if article.clinical_reviewer_id is None:
        raise ValidationError(_("Name the clinical reviewer before publishing."))
    article.full_clean()
    version = article_preview(article)
    version.last_reviewed = article.last_reviewed or timezone.localdate(now)
    version.published_at = now
    version.published_by = by
    version.save()
    version.tags.set(article.tags.all())
    article.live_version = version
    article.status = Status.PUBLISHED
    article.last_reviewed = version.last_reviewed
    article._history_user = by
    article.save(update_fields=["live_version", "status", "last_reviewed", "updated_at"])
    transaction.on_commit(library_changed)
    return version


@transaction.atomic
def article_archive(*, article: Article, by: User) -> Article:
    """Take an article off the library. Its versions stay; publishing brings it back."""
    if not by.is_admin:
        raise PermissionDenied
    article.status = Status.ARCHIVED
    article._history_user = by
    article.save(update_fields=["status", "updated_at"])
    transaction.on_commit(library_changed)
    return article


def article_read_record(*, viewer: User, article: Article) -> None:
    """Note that a patient opened `article`: the first time makes the row, every later
    opening moves its last read time (one statement, so two tabs opening it at once still
    leave one row). Anyone else's reading is not recorded."""
    if not viewer.is_authenticated or not viewer.is_patient or article.pk is None:
        return
    now = timezone.now()
    ArticleRead.objects.bulk_create(
        [ArticleRead(user=viewer, article=article, first_read_at=now, last_read_at=now)],
        update_conflicts=True,
        unique_fields=["user", "article"],
        update_fields=["last_read_at"],
    )
