from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.content import selectors
from portal.content.forms import LibrarySearchForm
from portal.content.services import article_read_record

PAGE_SIZE = 10


@login_required
@require_GET
def library(request):
    form = LibrarySearchForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    query, topic, condition = (filters.get(key, "") for key in ("q", "topic", "condition"))
    articles = selectors.library_articles(
        viewer=request.user, query=query, topic=topic, condition=condition
    )
    tags = selectors.library_tags(viewer=request.user)
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    reads = selectors.reads_by_article(viewer=request.user, articles=page.object_list)
    for item in page.object_list:
        item.my_read = reads.get(item.pk)
    context = {
        "form": form,
        "query": query,
        "active_tags": [
            t for t in tags["topics"] + tags["conditions"] if t.slug in (topic, condition)
        ],
        "page": page,
        **tags,
    }
    return render(request, "content/library.html", context)


@login_required
@require_GET
def article(request, slug):
    article = selectors.article_for(viewer=request.user, slug=slug)
    article_read_record(viewer=request.user, article=article)
    return render(request, "content/article.html", article_context(request.user, article))


def article_context(viewer, article, version=None) -> dict:
    """What the article template needs; the admin preview passes the pending version."""
    version = version or article.live_version
    tags = list(version.tags.all() if version.pk else article.tags.all())
    return {
        "article": article,
        "version": version,
        "tags": tags,
        "related": selectors.articles_for_tags(
            viewer=viewer, tags=[tag.slug for tag in tags], exclude=article
        ),
        "other_languages": selectors.translations_of(article) if article.pk else [],
    }
