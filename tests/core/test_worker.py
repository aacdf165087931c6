import pytest

from portal.core.models import WorkerHeartbeat
from portal.core.tasks import heartbeat
from tests.worker import celery_worker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_process_runs_a_task_sent_through_the_broker():
    assert not WorkerHeartbeat.objects.exists()

    with celery_worker():
        heartbeat.delay()
        wait_until(
            lambda: WorkerHeartbeat.objects.filter(name="worker").exists(),
            timeout=90,
            message="the worker did not record a heartbeat",
        )

    assert WorkerHeartbeat.objects.get(name="worker").beat_at is not None
