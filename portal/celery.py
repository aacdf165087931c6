"""The Celery application. Configuration lives in Django settings under CELERY_*."""

import os

from celery import Celery

from portal.lib import fsbroker  # noqa: F401 (registers the development broker's scheme)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
