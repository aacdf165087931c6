from datetime import date

import pytest
from django.core.exceptions import ValidationError

from portal.content.models import add_months, parse_sources, validate_sources
from tests.content.factories import ArticleFactory, content


def test_it_parses_sources_one_per_line_with_optional_links():
    text = (
        "Toljan K. LDN review. 2018. | https://pmc.ncbi.nlm.nih.gov/articles/PMC6313374\n"
        "\n"
        "A leaflet without a link\n"
        "Smith | Jones: a title with a pipe\n"
    )

    assert parse_sources(text) == [
        {
            "text": "Toljan K. LDN review. 2018.",
            "url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC6313374",
        },
        {"text": "A leaflet without a link", "url": ""},
        {"text": "Smith | Jones: a title with a pipe", "url": ""},
    ]


def test_it_refuses_a_source_link_that_is_not_a_web_address():
    with pytest.raises(ValidationError, match="Line 2: a source's link must start with http"):
        validate_sources("Fine | https://example.org\nBad | javascript:alert(1)")

    with pytest.raises(ValidationError, match="Line 1"):
        validate_sources("Data | data:text/html,hi")


def test_it_leaves_out_a_bad_source_link_even_if_it_was_stored():
    assert parse_sources("Bad | javascript:alert(1)") == []


def test_it_refuses_a_source_link_without_a_citation():
    with pytest.raises(ValidationError, match="write the citation"):
        validate_sources(" | https://example.org")


def test_it_accepts_plain_citations_and_web_links():
    validate_sources("One | https://example.org\nTwo | http://example.org\nThree")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 21), 12, date(2027, 11, 21)),
        (date(2026, 11, 21), -12, date(2025, 11, 21)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 3, 15), -3, date(2025, 12, 15)),
    ],
)
def test_it_adds_calendar_months_and_clamps_to_the_end_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.django_db
def test_it_knows_when_a_live_article_is_past_its_review_date():
    article = content(last_reviewed=date(2025, 11, 21))

    assert article.review_due_on(months=12) == date(2026, 11, 21)
    assert article.is_review_overdue(today=date(2026, 11, 21), months=12)
    assert not article.is_review_overdue(today=date(2026, 11, 20), months=12)


@pytest.mark.django_db
def test_it_has_no_review_date_before_it_is_published():
    article = ArticleFactory(last_reviewed=date(2020, 1, 1))

    assert article.review_due_on(months=12) is None
    assert not article.is_review_overdue(today=date(2026, 1, 1), months=12)


@pytest.mark.django_db
def test_it_links_to_its_library_page():
    assert ArticleFactory(slug="missed-doses").get_absolute_url() == "/library/missed-doses/"
