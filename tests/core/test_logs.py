"""No health data in any log line: a provider's and a patient's sessions through the real
web processes and worker, started from the Procfile, with everything they print captured.
The patient also writes to the care team and the provider reads it: the message notice goes
through the worker with ids only.

The access log names paths (ids only), never query strings or referrers (gunicorn.conf.py);
Celery logs task names and ids, never arguments; the portal's own log lines carry ids."""

from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from messaging.models import Conversation
from patients.models import DiaryEntry
from patients.services.profile import care_team_add
from portal.celery import app
from portal.notifications import services
from portal.notifications.models import Notification
from tests.e2e.helpers import totp_code
from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET, PatientUserFactory, ProviderFactory
from tests.web import Server, Visitor, free_port, portal_env, procfile_process, wait_for_http
from tests.worker import wait_until

pytestmark = [pytest.mark.web, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

NAME = "Marguerite Okonkwo"
MEDICATION, DOSE = "Oxycodone", "5 mg every 6 hours"
DIARY_NOTES = "Brackenridge flare after gardening, migraine by teatime"
MESSAGE = {"subject": "Zephyrine worries", "body": "Quillbrook tremors since the step-up"}
# Everything the patient's sessions reveal about their health, word by word.
SECRETS = [
    "Marguerite",
    "Okonkwo",
    MEDICATION,
    "Brackenridge",
    "gardening",
    "teatime",
    "6 hours",
    "Zephyrine",
    "Quillbrook",
    "tremors",
]


@pytest.fixture
def cast(db):
    patient = PatientUserFactory(email="m.o@example.org", name=NAME).patient
    provider = ProviderFactory(email="dr.lee@example.org")
    care_team_add(patient=patient, provider=provider, added_by=provider)
    return patient, provider


def _provider_login(web: Server) -> Visitor:
    visitor = Visitor()
    login = {"login": "dr.lee@example.org", "password": TEST_PASSWORD}
    assert visitor.post(web, "/accounts/login/", login).status == 302
    code = {"code": totp_code(TEST_TOTP_SECRET)}
    assert visitor.post(web, "/accounts/2fa/authenticate/", code).status == 302
    return visitor


def _provider_session(web: Server, visitor: Visitor, patient) -> list[int]:
    return [
        visitor.get(web, "/patients/?q=Okonkwo").status,
        visitor.get(web, "/patients/?q=Marguerite+Okonkwo&page=1").status,
        # A browser following a result names the search page as the referrer.
        visitor.get(
            web,
            f"/patients/{patient.pk}/",
            headers={"Referer": f"http://127.0.0.1:{web.port}/patients/?q=Okonkwo"},
        ).status,
        visitor.get(web, f"/patients/{patient.pk}/medications/").status,
        visitor.get(web, "/library/?q=oxycodone+brackenridge").status,
    ]


def _patient_session(web: Server, patient) -> list[int]:
    visitor = Visitor()
    login = {"login": "m.o@example.org", "password": TEST_PASSWORD}
    assert visitor.post(web, "/accounts/login/", login).status == 302
    today = timezone.localdate(timezone=ZoneInfo(patient.user.timezone))
    diary = {
        "day": today.isoformat(),
        "pain": "6",
        "fatigue": "5",
        "sleep_quality": "4",
        "mood": "3",
        "notes": DIARY_NOTES,
    }
    medication = {"name": MEDICATION, "dose_text": DOSE, "started_on": today.isoformat()}
    return [
        visitor.get(web, "/library/?q=gardening+migraine+teatime").status,
        visitor.post(web, "/diary/new/", diary).status,
        visitor.post(web, f"/diary/{today.isoformat()}/", diary).status,
        visitor.post(web, "/medications/", medication).status,
        visitor.get(web, "/medications/").status,
        visitor.post(web, "/messages/new/", {"topic": "side_effect", **MESSAGE}).status,
    ]


def _provider_reads_the_message(web: Server, visitor: Visitor) -> list[int]:
    conversation = Conversation.objects.get()
    return [
        visitor.get(web, "/provider/messages/?status=unread").status,
        visitor.get(web, f"/messages/{conversation.pk}/").status,
    ]


def test_no_log_line_carries_a_patients_name_medications_or_diary(
    cast, tmp_path, smtp_server, settings
):
    patient, provider = cast
    env = portal_env(DJANGO_SETTINGS_MODULE="portal.settings.test", **smtp_server.env)
    port = free_port()
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    app.control.purge()

    with (
        procfile_process("web", env={**env, "PORT": str(port)}, log_path=web_log) as web,
        procfile_process("worker", env=env, log_path=worker_log),
    ):
        wait_for_http(port, process=web)
        server = Server(port=port, process=web, log=web_log)
        provider_visitor = _provider_login(server)
        assert _provider_session(server, provider_visitor, patient) == [200, 200, 200, 200, 200]
        assert _patient_session(server, patient) == [200, 302, 302, 302, 200, 302]
        assert _provider_reads_the_message(server, provider_visitor) == [200, 200]
        # The opioid on the list sends the care team a safety notice, and the patient's
        # message a message notice, through the worker.
        notices = Notification.objects.filter(recipient=provider, kind__in=["safety", "message"])
        assert sorted(notices.values_list("kind", "channel")) == [
            ("message", "email"),
            ("message", "in_app"),
            ("safety", "email"),
            ("safety", "in_app"),
        ]
        services.dispatch_due()
        # Generous: an SMTP hiccup on a loaded machine is retried after up to 30 s, then 60 s.
        try:
            wait_until(
                lambda: not notices.exclude(status=Notification.Status.SENT).exists(),
                timeout=240,
            )
        except AssertionError:
            states = list(notices.values_list("channel", "status", "attempts"))
            tail = worker_log.read_text()[-3000:]
            raise AssertionError(f"the notices were not sent: {states}\n{tail}") from None

    assert DiaryEntry.objects.get(patient=patient).notes == DIARY_NOTES
    assert Conversation.objects.get().messages.get().body == MESSAGE["body"]
    logs = {"web": web_log.read_text(), "worker": worker_log.read_text()}
    # The logs did record the session: the searches, the saves and the deliveries.
    for request in (
        "GET /patients/",
        "GET /library/",
        "POST /medications/",
        "POST /diary/new/",
        "POST /messages/new/",
        "GET /provider/messages/",
        "GET /messages/",
    ):
        assert f'"{request}' in logs["web"]
    assert "delivered (email)" in logs["worker"]
    for name, text in logs.items():
        for line in text.splitlines():
            leaked = [word for word in SECRETS if word.lower() in line.lower()]
            assert not leaked, f"{name} log: {leaked} in {line!r}"
