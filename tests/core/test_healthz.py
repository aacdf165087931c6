import pytest

from portal.celery import app


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
