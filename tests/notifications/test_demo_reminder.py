"""`seed_demo` plans a real reminder a minute ahead, so `make run` shows one arrive."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from patients.models import CheckIn
from portal.accounts.models import User
from portal.notifications import services
from portal.notifications.models import Notification
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _protocols():
    ensure_protocols()  # an earlier browser journey's flush removed the seeded rows


def test_it_plans_a_dose_reminder_for_the_demo_patient_a_minute_ahead(capsys, mailoutbox):
    started = timezone.now()
    call_command("seed_demo")

    patient = User.objects.get(email="patient@example.com")
    demo = Notification.objects.filter(recipient=patient, dedupe_key__startswith="demo:dose:")
    assert set(demo.values_list("channel", flat=True)) == {"in_app", "email"}
    due = demo.first().due_at
    assert timedelta(seconds=59) <= due - started <= timedelta(seconds=70)
    assert "A dose reminder for patient@example.com is due at" in capsys.readouterr().out

    with time_machine.travel(due, tick=False):
        assert services.send_due_inline() >= 2

    in_app = demo.get(channel="in_app")
    assert in_app.status == Notification.Status.SENT
    assert in_app.body == "Tonight: 1.5 mg (1 capsule of 1.5 mg)."
    assert any(m.to == ["patient@example.com"] for m in mailoutbox)


def test_it_books_demo_check_ins_once():
    call_command("seed_demo")
    call_command("seed_demo")

    statuses = dict(CheckIn.objects.values_list("patient__user__email", "status"))
    assert statuses == {"patient@example.com": "booked", "jordan@example.com": "confirmed"}
