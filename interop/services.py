"""Writes: a person revokes a connected app; a patient asks for, and downloads, all their
data."""

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from interop.export import build_zip
from interop.models import DataExport
from portal.audit.models import AccessEvent
from portal.audit.services import access_record

logger = logging.getLogger(__name__)


@transaction.atomic
def connected_app_revoke(*, user, application_id) -> str | None:
    """Revoke every token and grant `user` gave the app; its name, or None when the app holds
    nothing of theirs."""
    application = get_application_model().objects.filter(pk=application_id).first()
    if application is None:
        return None
    tokens = get_access_token_model().objects.filter(user=user, application=application)
    refresh = get_refresh_token_model().objects.filter(user=user, application=application)
    grants = get_grant_model().objects.filter(user=user, application=application)
    if not (tokens.exists() or refresh.filter(revoked__isnull=True).exists()):
        return None
    for token in refresh.filter(revoked__isnull=True):
        token.revoke()
    tokens.delete()
    grants.delete()
    return application.name


EXPORT_VALID = timedelta(hours=24)
DATA_EXPORT_TASK = "interop.data_export.build"  # interop.tasks.build_data_export


def data_export_request(*, patient, requested_by, now=None) -> DataExport:
    """Ask for a new download of everything (or the one already being prepared); the worker
    builds it once the request is committed."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = DataExport.objects.filter(
            patient=patient, status__in=[DataExport.Status.QUEUED, DataExport.Status.BUILDING]
        ).first()
        if pending:
            return pending
        export = DataExport.objects.create(
            patient=patient, requested_by=requested_by, requested_at=now
        )
        transaction.on_commit(lambda: current_app.send_task(DATA_EXPORT_TASK, args=[export.pk]))
    return export


def _progress(export_id: int, percent: int, step: str) -> None:
    DataExport.objects.filter(pk=export_id).update(progress=percent, step=step[:80])


def data_export_build(*, export_id: int) -> str:
    """Build the zip of a queued request (the worker's task). Each part's progress is saved
    as it is done, for the page to show. Returns the request's status."""
    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.QUEUED).update(
        status=DataExport.Status.BUILDING, progress=1, step="Starting"
    )
    if not claimed:
        return "skipped"
    export = DataExport.objects.select_related("patient__user").get(pk=export_id)
    try:
        data = build_zip(
            export.patient,
            site=settings.SITE_URL,
            progress=lambda percent, step: _progress(export_id, percent, step),
        )
    except Exception:
        logger.exception("data export %s failed", export_id)
        DataExport.objects.filter(pk=export_id).update(status=DataExport.Status.FAILED, step="")
        return DataExport.Status.FAILED
    now = timezone.now()
    DataExport.objects.filter(pk=export_id).update(
        status=DataExport.Status.READY,
        progress=100,
        step="",
        content=data,
        size=len(data),
        ready_at=now,
        expires_at=now + EXPORT_VALID,
    )
    return DataExport.Status.READY


@transaction.atomic
def data_export_download(*, export_id: int, actor, path: str, now=None) -> bytes | None:
    """The zip, once: it is emptied as it is handed over, and the download is in the access
    log. None when it is not ready, already downloaded or past its 24 hours."""
    now = now or timezone.now()
    export = (
        DataExport.objects.select_for_update()
        .select_related("patient")
        .filter(pk=export_id, patient__user=actor)
        .first()
    )
    if export is None or export.status != DataExport.Status.READY:
        return None
    if export.expires_at and export.expires_at <= now:
        export.status, export.content = DataExport.Status.EXPIRED, None
        export.save(update_fields=["status", "content"])
        return None
    data = bytes(export.content)
    export.status, export.content, export.downloaded_at = (
        DataExport.Status.DOWNLOADED,
        None,
        now,
    )
    export.save(update_fields=["status", "content", "downloaded_at"])
    access_record(
        actor=actor,
        patient=export.patient,
        action=AccessEvent.Action.EXPORT_RECORD,
        path=path,
        own_too=True,
    )
    return data
