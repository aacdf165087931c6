import pytest

from portal.content.models import Article, Tag


@pytest.fixture(autouse=True)
def _empty_library(request):
    # The starter library comes with the migrations; tests that use the database start from
    # an empty library so counts and orders are their own.
    if "db" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("db")
    Article.objects.all().delete()
    Tag.objects.all().delete()
