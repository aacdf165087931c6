"""The record-leaving tasks: ids in, status out."""

from celery import shared_task

from interop.services import DATA_EXPORT_TASK, data_export_build


@shared_task(name=DATA_EXPORT_TASK)
def build_data_export(export_id: int) -> str:
    return data_export_build(export_id=export_id)
