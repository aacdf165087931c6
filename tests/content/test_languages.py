"""Articles in Spanish and English: the starter library's Spanish versions, the reader's
language first in the library and in "Read more" links, and a link between the versions."""

from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.utils import translation

from portal.content import selectors
from portal.content.models import Article
from portal.content.starter import (
    STARTER_ES_DIR,
    load_starter,
    starter_articles,
)

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def test_every_starter_article_has_a_spanish_version_with_the_same_audience_and_tags():
    english = {item.slug: item for item in starter_articles()}
    spanish = starter_articles(STARTER_ES_DIR)

    assert {item.translation_of for item in spanish} <= english.keys()
    assert len({item.translation_of for item in spanish}) == len(spanish)
    for item in spanish:
        original = english[item.translation_of]
        assert item.language == "es"
        assert item.slug != original.slug
        assert (item.audience, item.topics, item.conditions) == (
            original.audience,
            original.topics,
            original.conditions,
        )
        assert item.sources == original.sources


@pytest.fixture
def library():
    load_starter(apps, now=NOW)
    load_starter(apps, now=NOW, directory=STARTER_ES_DIR)


@pytest.mark.django_db
def test_the_spanish_versions_are_published_translations(library):
    for item in starter_articles(STARTER_ES_DIR):
        article = Article.objects.get(slug=item.slug)
        assert article.is_live and article.language == "es"
        assert article.translation_of.slug == item.translation_of


@pytest.mark.django_db
def test_a_reader_sees_each_article_once_in_their_language_first(library, patient_user):
    for_patients = [i for i in starter_articles(STARTER_ES_DIR) if i.audience != "providers"]
    spanish_count = len(for_patients)

    english = list(selectors.library_articles(viewer=patient_user))
    with translation.override("es"):
        spanish = list(selectors.library_articles(viewer=patient_user))

    assert {a.language for a in english} == {"en"}
    assert len(spanish) == len(english)
    assert [a.language for a in spanish][:spanish_count] == ["es"] * spanish_count
    assert "dosis-olvidadas" in {a.slug for a in spanish}
    assert "missed-doses" not in {a.slug for a in spanish}


@pytest.mark.django_db
def test_read_more_links_follow_the_readers_language(library, patient_user):
    with translation.override("es"):
        links = selectors.articles_for_tags(viewer=patient_user, tags=["missed-doses"])

    assert links[0].slug == "dosis-olvidadas"


@pytest.mark.django_db
def test_an_article_links_to_its_other_language(library, client_for, patient_user):
    client = client_for(patient_user)

    english = client.get("/library/missed-doses/").text
    spanish = client.get("/library/dosis-olvidadas/").text

    assert 'href="/library/dosis-olvidadas/"' in english
    assert 'lang="es"' in english and "Español" in english
    assert 'href="/library/missed-doses/"' in spanish
    assert "Qué hacer si se le olvida una dosis de LDN" in spanish
