"""Demo regimens for the demo patients."""

import pytest
from django.core.management import call_command

from portal.accounts.models import User
from portal.lib.timing import local_today
from regimens.demo import seed_regimens
from regimens.models import Regimen
from regimens.selectors.queue import titration_queue


@pytest.mark.django_db
def test_it_gives_each_demo_patient_a_regimen_in_a_different_state_once():
    call_command("seed_demo")

    seed_regimens()
    seed_regimens()

    regimens = {r.patient.user.email: r for r in Regimen.objects.select_related("patient__user")}
    assert len(regimens) == 5
    assert regimens["casey@example.com"].status == "paused"
    assert regimens["casey@example.com"].opioid_override_reason
    assert regimens["riley@example.com"].on_maintenance
    pat = regimens["patient@example.com"]
    assert (local_today(pat.patient) - pat.started_on).days == 3
    assert regimens["sam@example.com"].side_effects.filter(kind="insomnia", severity=2).exists()
    provider = User.objects.get(email="provider@example.com")
    queue = {
        item.patient.user.email: item.why for item in titration_queue(provider=provider).object_list
    }
    assert "due" in queue["jordan@example.com"]
    assert "side_effects" in queue["sam@example.com"]
    assert "patient@example.com" not in queue
