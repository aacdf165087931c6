from datetime import timedelta

import pytest
from django.utils import timezone

from patients.services.profile import care_team_add
from portal.celery import app
from portal.notifications.models import Notification
from tests.notifications.factories import due_safety_notices, safety_flags


@pytest.mark.django_db
def test_it_reports_database_and_broker_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "reminder_lag_seconds": None,
    }


@pytest.mark.django_db
def test_it_answers_503_when_the_broker_is_unreachable(client):
    original = app.conf.broker_url
    # Nothing listens on port 1: a real refused connection.
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


@pytest.mark.django_db
def test_it_is_not_cached(client):
    response = client.get("/healthz")

    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("status", ["pending", "queued", "sending"])
def test_it_reports_the_wait_of_a_due_reminder_not_yet_delivered_in_any_state(
    client, patient_user, provider, status
):
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    flags = safety_flags(patient_user.patient, 1)
    due_safety_notices(
        provider=provider, flags=flags, due_at=timezone.now() - timedelta(seconds=120)
    )
    claimed_at = None if status == "pending" else timezone.now()
    Notification.objects.update(status=status, claimed_at=claimed_at)

    body = client.get("/healthz").json()

    assert body["reminder_lag_seconds"] == pytest.approx(120, abs=5)
