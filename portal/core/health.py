"""Readiness checks for /healthz: can we reach the database and the broker?"""

import os

from django.conf import settings
from django.db import connection

from portal.celery import app
from portal.notifications.services import oldest_due_lag


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready"; the type is reported
        return f"error: {type(exc).__name__}"
    return "ok"


def broker_status() -> str:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
            if conn.transport.driver_type == "redis":
                conn.default_channel.client.ping()
            elif conn.transport.driver_type == "filesystem":
                folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_out"]
                if not os.access(folder, os.W_OK):
                    return "error: queue folder is not writable"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def reminder_lag() -> float | None:
    """Seconds the oldest due reminder not yet delivered has waited, whether it is pending,
    queued or being sent (None when none is waiting)."""
    lag = oldest_due_lag()
    return None if lag is None else round(lag, 1)
