"""A patient's reading of the library: recorded when they open an article (one row, first
and last read time), shown to them alone on the library's list."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from portal.content.models import ArticleRead, Audience
from tests.content.factories import ArticleFactory, content
from tests.factories import CaregiverFactory

pytestmark = pytest.mark.django_db

FIRST = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _card(page: str, title: str) -> str:
    start = page.index(title)
    return page[start : page.index("</article>", start)]


def test_opening_an_article_records_first_and_last_read_once(patient_user):
    article = content(slug="missed-doses", title="Missed doses")
    content(slug="sleep", title="Sleep and dreams")
    client = _as(patient_user)

    with time_machine.travel(FIRST, tick=False):
        assert client.get("/library/missed-doses/").status_code == 200
    with time_machine.travel(LATER, tick=False):
        client.force_login(patient_user)  # a week on: a new session
        assert client.get("/library/missed-doses/").status_code == 200
        assert client.get("/library/missed-doses/").status_code == 200

    read = ArticleRead.objects.get()
    assert (read.user, read.article) == (patient_user, article)
    assert (read.first_read_at, read.last_read_at) == (FIRST, LATER)

    with time_machine.travel(LATER, tick=False):
        page = client.get("/library/").content.decode()
    assert "Read on 27 Nov" in _card(page, "Missed doses")
    assert "Read on" not in _card(page, "Sleep and dreams")


def test_only_the_patients_own_reading_counts_and_shows(patient_user, other_patient_user, provider):
    content(slug="missed-doses", title="Missed doses")
    caregiver = CaregiverFactory(email="carer@example.org")
    for someone in (provider, caregiver):
        assert _as(someone).get("/library/missed-doses/").status_code == 200
    assert not ArticleRead.objects.exists()

    _as(patient_user).get("/library/missed-doses/")
    assert "Read on" not in _as(other_patient_user).get("/library/").content.decode()
    assert "Read on" not in _as(provider).get("/library/").content.decode()
    assert "Read on" in _as(patient_user).get("/library/").content.decode()


def test_an_article_the_patient_may_not_open_is_not_recorded(patient_user):
    content(slug="for-providers", audience=Audience.PROVIDERS)
    ArticleFactory(slug="draft")
    client = _as(patient_user)

    for slug in ("for-providers", "draft", "no-such-article", "%00", "a" * 300):
        assert client.get(f"/library/{slug}/").status_code == 404
    assert not ArticleRead.objects.exists()
