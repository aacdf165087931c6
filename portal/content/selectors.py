"""Reads of the education library, always scoped to the person reading."""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import get_language

from portal.content.models import Article, ArticleRead, Audience, Tag, TagKind, add_months

SEARCH_CONFIG = "english"
# The "Read more" links are kept in the shared cache under the library's version, which every
# write that changes what is live moves (library_changed); the lifetime is only a ceiling.
LIBRARY_VERSION_KEY = "content:library-version"
SUGGESTIONS_TTL = 10 * 60

logger = logging.getLogger(__name__)


def audiences_for(viewer) -> list[str]:
    """Patients read patient articles; providers and admins read everything."""
    if viewer.is_patient:
        return [Audience.PATIENTS, Audience.BOTH]
    return [Audience.PATIENTS, Audience.PROVIDERS, Audience.BOTH]


def visible_articles(*, viewer, language: str | None = "") -> QuerySet[Article]:
    """Live articles for the viewer's audience, with their live version.

    In `language` (the reader's, by default the active one) when an article is there in it:
    an article with a live translation in that language gives way to it, and a translation
    gives way to its original written in that language. `lang_rank` puts the reader's
    language first. With `language=None` every live article is there (an address reaches
    either version)."""
    if not viewer.is_authenticated:
        return Article.objects.none()
    articles = (
        Article.objects.live()
        .filter(live_version__audience__in=audiences_for(viewer))
        .select_related("live_version")
    )
    if language is None:
        return articles
    language = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    live = Article.objects.live()
    shadowed = Q(translation_of__language=language, translation_of__in=live) | Q(
        pk__in=live.filter(language=language, translation_of__isnull=False).values("translation_of")
    )
    return articles.exclude(~Q(language=language) & shadowed).annotate(
        lang_rank=Case(When(language=language, then=Value(0)), default=Value(1))
    )


def translations_of(article: Article) -> list[Article]:
    """The other live language versions of an article (its original and its translations)."""
    original = article.translation_of or article
    versions = Article.objects.live().filter(Q(pk=original.pk) | Q(translation_of=original))
    return list(versions.exclude(pk=article.pk).order_by("language"))


def _with_tags(articles: QuerySet[Article]) -> QuerySet[Article]:
    return articles.prefetch_related(
        Prefetch("live_version__tags", queryset=Tag.objects.order_by("kind", "name"))
    )


def _search(articles: QuerySet[Article], query: str) -> QuerySet[Article]:
    if connection.vendor == "postgresql":
        vector = (
            SearchVector("live_version__title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("live_version__summary", weight="B", config=SEARCH_CONFIG)
            + SearchVector("live_version__body", weight="C", config=SEARCH_CONFIG)
        )
        search = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        return (
            articles.annotate(search=vector, rank=SearchRank(vector, search))
            .filter(search=search)
            .order_by("lang_rank", "-rank", "live_version__title")
        )
    # SQLite (the embedded default): every word must appear somewhere in the article.
    for word in query.split():
        articles = articles.filter(
            Q(live_version__title__icontains=word)
            | Q(live_version__summary__icontains=word)
            | Q(live_version__body__icontains=word)
        )
    return articles


def library_articles(
    *, viewer, query: str = "", topic: str = "", condition: str = ""
) -> QuerySet[Article]:
    """The library list: optionally searched and filtered by a topic and a condition slug."""
    articles = visible_articles(viewer=viewer).order_by("lang_rank", "live_version__title")
    if topic:
        articles = articles.filter(
            live_version__tags__kind=TagKind.TOPIC, live_version__tags__slug=topic
        )
    if condition:
        articles = articles.filter(
            live_version__tags__kind=TagKind.CONDITION, live_version__tags__slug=condition
        )
    if query.strip():
        articles = _search(articles, query.strip())
    return _with_tags(articles)


def library_tags(*, viewer) -> dict[str, list[Tag]]:
    """Topics and conditions that have at least one article the viewer can read, with counts."""
    tags = (
        Tag.objects.filter(versions__live_of__in=visible_articles(viewer=viewer).values("pk"))
        .annotate(article_count=Count("versions", distinct=True))
        .order_by("name")
    )
    grouped = {TagKind.TOPIC: [], TagKind.CONDITION: []}
    for tag in tags:
        grouped[tag.kind].append(tag)
    return {"topics": grouped[TagKind.TOPIC], "conditions": grouped[TagKind.CONDITION]}


def article_for(*, viewer, slug: str) -> Article:
    """The live article at this address, or 404 for anyone who may not read it."""
    article = visible_articles(viewer=viewer, language=None).filter(slug=slug).first()
    if article is None:
        raise Http404("No such article")
    return article


def articles_for_tags(
    *, viewer, tags: list[str], limit: int = 3, exclude: Article | None = None
) -> list[Article]:
    """Articles to suggest next to a feature: most matching tags first, then by title.

    Pages pass tag slugs ("sleep", "side-effects", "hashimotos"); admins decide which
    articles carry which tags, so the links change without code.
    """
    slugs = [slug for slug in dict.fromkeys(tags) if slug]
    if not slugs or limit < 1:
        return []
    articles = (
        visible_articles(viewer=viewer)
        .filter(live_version__tags__slug__in=slugs)
        .annotate(matches=Count("live_version__tags", distinct=True))
        .order_by("lang_rank", "-matches", "live_version__title")
    )
    if exclude is not None:
        articles = articles.exclude(pk=exclude.pk)
    return list(articles[:limit])


@dataclass(frozen=True)
class Suggestion:
    slug: str
    title: str


def library_changed() -> None:
    """What is live in the library changed (an article published or archived, a tag edited):
    the kept "Read more" links are asked for afresh."""
    try:
        cache.set(LIBRARY_VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:  # noqa: BLE001 (any backend's error; the links' lifetime bounds them)
        logger.warning("cache unavailable; the library's version was not moved", exc_info=True)


def suggested_articles(*, viewer, tags: list[str], limit: int = 3) -> list[Suggestion]:
    """articles_for_tags as the links a page shows next to a feature, kept in the shared
    cache for the viewer's audience and language and the library's version (their query is
    the dearest part of the pages that show them). Read afresh when the cache is away."""
    slugs = sorted({slug for slug in tags if slug})
    if not slugs or limit < 1 or not viewer.is_authenticated:
        return []

    def read() -> list[Suggestion]:
        found = articles_for_tags(viewer=viewer, tags=slugs, limit=limit)
        return [Suggestion(slug=a.slug, title=a.live_version.title) for a in found]

    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    asked = "|".join((language, *audiences_for(viewer), str(limit), *slugs))
    try:
        version = cache.get_or_set(LIBRARY_VERSION_KEY, lambda: uuid.uuid4().hex, None)
        key = f"content:suggestions:{version}:{hashlib.sha256(asked.encode()).hexdigest()}"
        found = cache.get(key)
    except Exception:  # noqa: BLE001 (any backend's error: the page is answered without it)
        logger.warning("cache unavailable; reading the library's links", exc_info=True)
        return read()
    if found is None:
        found = read()
        try:
            cache.set(key, found, SUGGESTIONS_TTL)
        except Exception:  # noqa: BLE001
            logger.warning("cache unavailable; the library's links not kept", exc_info=True)
    return found


def articles_due_for_review(*, today: date, months: int | None = None) -> QuerySet[Article]:
    """Live articles whose last clinical review is `months` (the setting) or more ago."""
    months = months or settings.CONTENT_REVIEW_MONTHS
    return (
        Article.objects.live()
        .filter(live_version__last_reviewed__lte=add_months(today, -months))
        .select_related("live_version")
        .order_by("live_version__last_reviewed", "title")
    )


def reads_by_article(*, viewer, articles) -> dict[int, ArticleRead]:
    """The viewer's own reading of these articles, by article id (patients only: nobody
    sees another person's reading)."""
    if not viewer.is_authenticated or not viewer.is_patient:
        return {}
    ids = [article.pk for article in articles]
    return {
        read.article_id: read
        for read in ArticleRead.objects.filter(user=viewer, article_id__in=ids)
    }


def articles_read(*, reader) -> QuerySet[ArticleRead]:
    """Every article `reader` (a patient's account) has opened, first read first, for their
    own data download."""
    return (
        ArticleRead.objects.filter(user=reader)
        .select_related("article", "article__live_version")
        .order_by("first_read_at", "pk")
    )
