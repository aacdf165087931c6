import datetime as dt

import time_machine


def test_it_logs_a_provider_out_after_30_idle_minutes(client_for, provider):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = client_for(provider)
        assert client.get("/provider/").status_code == 200

        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/provider/").status_code == 200

        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/provider/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_it_gives_patients_their_own_longer_timeout(client_for, patient_user, settings):
    settings.SESSION_IDLE_TIMEOUT_PATIENT = 120
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = client_for(patient_user)
        client.get("/patient/")

        clock.shift(dt.timedelta(minutes=90))
        assert client.get("/patient/").status_code == 200

        clock.shift(dt.timedelta(minutes=121))
        assert client.get("/patient/").status_code == 302
