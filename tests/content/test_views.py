import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.content.models import Audience
from portal.content.services import article_archive, article_save
from tests.content.factories import ArticleFactory, content

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_visitors_to_log_in(client):
    content(slug="sleep")

    for url in ("/library/", "/library/sleep/", "/library/?q=sleep"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/library/")


@pytest.mark.parametrize("who", ["patient_user", "provider", "admin_user"])
def test_it_lets_every_role_read_the_library(request, client_for, who):
    content(slug="shared", title="Shared article")
    client = client_for(request.getfixturevalue(who))

    assert "Shared article" in client.get("/library/").content.decode()
    assert client.get("/library/shared/").status_code == 200


def test_it_answers_404_to_patients_for_articles_they_may_not_read(client_for, patient_user):
    admin = content(slug="for-providers", audience=Audience.PROVIDERS).clinical_reviewer
    ArticleFactory(slug="draft")
    ArticleFactory(slug="in-review", status="in_review")
    article_archive(article=content(slug="archived"), by=admin)
    client = client_for(patient_user)

    for slug in ("for-providers", "draft", "in-review", "archived", "no-such-article"):
        assert client.get(f"/library/{slug}/").status_code == 404, slug


def test_it_shows_providers_the_provider_articles(client_for, provider):
    content(slug="for-providers", title="Protocols for providers", audience=Audience.PROVIDERS)

    assert client_for(provider).get("/library/for-providers/").status_code == 200
    assert "Protocols for providers" in client_for(provider).get("/library/").content.decode()


def test_it_leaves_provider_articles_out_of_the_patient_list(client_for, patient_user):
    content(title="Protocols for providers", audience=Audience.PROVIDERS)
    content(title="Missed doses", audience=Audience.PATIENTS)

    html = client_for(patient_user).get("/library/").content.decode()

    assert "Missed doses" in html
    assert "Protocols for providers" not in html


def test_it_shows_the_article_with_review_date_sources_and_disclaimer(client_for, patient_user):
    content(
        slug="sleep",
        title="Sleep and dreams",
        body="## Vivid dreams\n\nThey often settle.\n\n<script>alert(1)</script>",
        sources="Younger J. Pilot study. 2009. | https://www.ldnscience.org/research/pmid19453963\n"
        "A leaflet",
        last_reviewed=date(2026, 11, 21),
        tags=["sleep"],
    )

    html = client_for(patient_user).get("/library/sleep/").content.decode()

    assert "<h1" in html and "Sleep and dreams</h1>" in html
    assert "<h2>Vivid dreams</h2>" in html
    assert "Last reviewed 21 Nov 2026" in html
    assert 'href="https://www.ldnscience.org/research/pmid19453963" rel="noopener' in html
    assert "A leaflet" in html
    assert "not medical advice" in html
    assert "alert(1)" not in html


def test_it_keeps_showing_the_published_text_until_edits_are_published(client_for, patient_user):
    article = content(slug="kept", title="Published title", body="Published words.")
    article.title = "Pending title"
    article.body = "Pending words."
    article_save(article=article, by=article.clinical_reviewer, content_changed=True)

    html = client_for(patient_user).get("/library/kept/").content.decode()

    assert "Published words." in html
    assert "Pending" not in html


def test_it_suggests_related_articles_by_tag(client_for, patient_user):
    content(slug="sleep", title="Sleep", tags=["sleep"])
    content(slug="side-effects", title="Side effects", tags=["sleep", "side-effects"])
    content(slug="nausea", title="Nausea", tags=["nausea"])

    html = client_for(patient_user).get("/library/sleep/").content.decode()

    assert 'href="/library/side-effects/"' in html
    assert 'href="/library/nausea/"' not in html


def test_it_searches_with_a_get_parameter(client_for, patient_user):
    content(title="Vivid dreams", body="Dreams settle.")
    content(title="Missed doses", body="Skip it.")

    response = client_for(patient_user).get("/library/", {"q": "dreams"})

    html = response.content.decode()
    assert "Vivid dreams" in html
    assert "Missed doses" not in html
    assert "1 article found for “dreams”" in html


def test_it_says_so_when_nothing_matches(client_for, patient_user):
    content(title="Vivid dreams")

    html = client_for(patient_user).get("/library/", {"q": "xylophone"}).content.decode()

    assert "No article matches your search" in html


def test_it_browses_by_condition_and_by_topic(client_for, patient_user):
    content(title="Thyroid and LDN", tags=["thyroid", "hashimotos"])
    content(title="Sleep and dreams", tags=["sleep"])
    client = client_for(patient_user)

    by_condition = client.get("/library/", {"condition": "hashimotos"}).content.decode()
    by_topic = client.get("/library/", {"topic": "sleep"}).content.decode()

    assert "Thyroid and LDN" in by_condition and "Sleep and dreams" not in by_condition
    assert "Sleep and dreams" in by_topic and "Thyroid and LDN" not in by_topic
    assert 'href="/library/?condition=hashimotos"' in by_topic


def test_it_ignores_a_malformed_filter(client_for, patient_user):
    content(title="Sleep and dreams")

    response = client_for(patient_user).get("/library/", {"topic": "<script>"})

    assert response.status_code == 200
    assert "Sleep and dreams" in response.content.decode()


def test_it_paginates_the_list_and_keeps_the_search_in_page_links(client_for, patient_user):
    for n in range(12):
        content(title=f"Dose article {n:02d}", body="About doses.")
    client = client_for(patient_user)

    first = client.get("/library/", {"q": "doses"}).content.decode()
    second = client.get("/library/", {"q": "doses", "page": 2}).content.decode()

    assert "Dose article 09" in first and "Dose article 10" not in first
    assert "Dose article 10" in second and "Dose article 11" in second
    assert "?q=doses&amp;page=2" in first


def test_it_refuses_to_post_to_the_library(client_for, patient_user):
    assert client_for(patient_user).post("/library/").status_code == 405


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_it_reads_the_list_in_the_same_number_of_queries_for_more_articles(
    client_for, patient_user
):
    client = client_for(patient_user)
    client.get("/library/")  # the first request after logging in writes the session
    for n in range(2):
        content(title=f"Article {n}", tags=["sleep", "hashimotos"])
    few = _queries(client, "/library/")
    for n in range(2, 9):
        content(title=f"Article {n}", tags=["sleep", "nausea", "fibromyalgia"])

    assert _queries(client, "/library/") == few
    assert _queries(client, "/library/?q=article&topic=sleep") <= few


def test_it_reads_an_article_in_the_same_number_of_queries_for_more_tags(client_for, patient_user):
    client = client_for(patient_user)
    client.get("/library/")  # the first request after logging in writes the session
    content(slug="one", tags=["sleep"])
    few = _queries(client, "/library/one/")
    content(slug="many", tags=["sleep", "nausea", "headache", "hashimotos", "fibromyalgia"])
    content(tags=["nausea"])

    assert _queries(client, "/library/many/") == few


def test_it_has_no_inline_script_or_handlers(client_for, patient_user):
    content(slug="hostile", body='<p onclick="x()">Hi</p><script>alert(1)</script>')
    client = client_for(patient_user)

    for url in ("/library/", "/library/hostile/", "/library/?q=hi"):
        html = client.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, tag
        assert not re.search(r"<[^>]+\son[a-z]+=", html), url
