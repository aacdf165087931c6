"""Load the starter library (portal/content/starter/*.md) as published, reviewed articles.

Articles stay editable afterwards; running the loader again skips slugs that exist.
"""

from datetime import UTC, datetime

from django.db import migrations

from portal.content.starter import STARTER_REVIEWED_ON, load_starter


def load(apps, schema_editor):
    published_at = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    load_starter(apps, reviewed_on=STARTER_REVIEWED_ON, now=published_at)


class Migration(migrations.Migration):
    dependencies = [("content", "0001_articles_tags_versions")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
