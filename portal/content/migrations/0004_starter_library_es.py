"""Load the Spanish versions of the starter library (portal/content/starter/es/*.md) as
published translations of the English articles. Running it again skips slugs that exist."""

from datetime import UTC, datetime

from django.db import migrations

from portal.content.starter import STARTER_ES_DIR, STARTER_REVIEWED_ON, load_starter


def load(apps, schema_editor):
    published_at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    load_starter(apps, reviewed_on=STARTER_REVIEWED_ON, now=published_at, directory=STARTER_ES_DIR)


class Migration(migrations.Migration):
    dependencies = [("content", "0003_article_language")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
