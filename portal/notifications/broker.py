"""What the broker can tell the sweeper about messages it may have lost."""

import logging
from datetime import datetime, timedelta

from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def broker_started_at(app, *, now: datetime) -> datetime | None:
    """When the Redis broker last started, from its uptime; None for a broker that keeps its
    messages through a restart (the filesystem transport) or that cannot be asked now.

    A message published before this moment and not yet taken by a worker may be gone: Redis
    without persistence (as CI runs it) loses them all. One that survived does nothing once
    the sweeper has bumped its row's version.
    """
    try:
        with app.connection_for_write() as connection:
            if connection.transport.driver_type != "redis":
                return None
            uptime = connection.default_channel.client.info("server")["uptime_in_seconds"]
    except (OperationalError, RedisError, OSError) as exc:
        logger.warning("broker uptime unavailable: %s", type(exc).__name__)
        return None
    return now - timedelta(seconds=uptime)
