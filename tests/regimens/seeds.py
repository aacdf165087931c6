"""The seeded protocols, for tests that run after a transactional test emptied the tables.

Browser journeys (live server) flush every table when they finish, including what data
migrations wrote; with --reuse-db the next run starts from that empty database.
"""

import importlib

from django.apps import apps

_SEED = importlib.import_module("regimens.migrations.0002_seed_protocols")


def ensure_protocols() -> None:
    """Create any seeded protocol that is missing (idempotent)."""
    _SEED.seed(apps, None)
