"""factory_boy factories for the education library."""

import factory

from portal.content.models import Article, Audience, Tag, TagKind
from portal.content.services import article_publish
from tests.factories import AdminFactory


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    kind = TagKind.TOPIC
    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.LazyAttribute(lambda tag: tag.slug.replace("-", " ").capitalize())


def tags_for(slugs) -> list[Tag]:
    """Tags by slug; a slug in `CONDITIONS` is a condition, anything else a topic."""
    return [
        TagFactory(slug=slug, kind=TagKind.CONDITION if slug in CONDITIONS else TagKind.TOPIC)
        for slug in slugs
    ]


CONDITIONS = {"hashimotos", "fibromyalgia", "multiple-sclerosis", "crohns", "lupus"}


class ArticleFactory(factory.django.DjangoModelFactory):
    """A working copy; `ArticleFactory(published=True)` also publishes it as version 1.

    `tags=["sleep", "hashimotos"]` attaches tags by slug before publishing.
    """

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article {n:03d}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    summary = "A short summary of the article."
    body = "## What to know\n\nSome plain words about LDN.\n"
    audience = Audience.BOTH
    sources = (
        "Toljan K, Vrooman B. LDN review. 2018. | https://pmc.ncbi.nlm.nih.gov/articles/PMC6313374"
    )
    clinical_reviewer = factory.SubFactory(AdminFactory, mfa=False)
    author = factory.SelfAttribute("clinical_reviewer")

    @factory.post_generation
    def tags(article, create, extracted, **kwargs):
        if create and extracted:
            article.tags.set(tags_for(extracted))

    @factory.post_generation
    def published(article, create, extracted, **kwargs):
        if create and extracted:
            article_publish(article=article, by=article.clinical_reviewer)
            article.refresh_from_db()


def content(*, tags=(), audience=Audience.BOTH, **fields) -> Article:
    """A published article readers can see: the usual way tests make library content."""
    return ArticleFactory(tags=list(tags), audience=audience, published=True, **fields)
