import pytest
from django.template import Context, Template

from portal.content.models import Audience
from tests.content.factories import ArticleFactory, content

pytestmark = pytest.mark.django_db


def render(template, **context):
    return Template("{% load content_tags %}" + template).render(Context(context))


def test_it_renders_read_more_links_for_matching_articles(patient_user):
    content(slug="sleep-and-dreams", title="Sleep and dreams", tags=["sleep"])
    content(slug="side-effects", title="Side effects", tags=["sleep", "side-effects"])
    content(slug="missed-doses", title="Missed doses", tags=["missed-doses"])

    html = render('{% guidance_links viewer "sleep" "side-effects" %}', viewer=patient_user)

    assert "Read more in the library" in html
    assert html.index("/library/side-effects/") < html.index("/library/sleep-and-dreams/")
    assert "/library/missed-doses/" not in html


def test_it_renders_nothing_when_no_article_matches(patient_user):
    ArticleFactory(tags=["sleep"])

    assert render('{% guidance_links viewer "sleep" %}', viewer=patient_user).strip() == ""


def test_it_takes_a_list_of_tags_and_a_limit(patient_user):
    for n in range(4):
        content(slug=f"thyroid-{n}", tags=["hashimotos"])

    html = render(
        "{% guidance_links viewer tags limit=2 %}", viewer=patient_user, tags=["hashimotos"]
    )

    assert html.count("<li>") == 2


def test_it_links_only_to_articles_the_viewer_may_read(patient_user, provider):
    content(slug="for-providers", tags=["opioids"], audience=Audience.PROVIDERS)

    template = '{% guidance_links viewer "opioids" %}'
    assert "/library/for-providers/" not in render(template, viewer=patient_user)
    assert "/library/for-providers/" in render(template, viewer=provider)
