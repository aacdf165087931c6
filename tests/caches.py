"""Emptying the portal's caches between tests."""

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def clear_cache(alias: str = "default") -> None:
    """Empty one of the portal's caches. On Redis only its own keys go (by its KEY_PREFIX):
    the broker's messages and the other caches share the database."""
    cache = caches[alias]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(match=f"{settings.CACHES[alias]['KEY_PREFIX']}:*"):
            client.delete(key)
    else:
        cache.clear()
