"""The demo's diaries (portal/core/demo.py: seed_diaries), run through seed_demo."""

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from patients.models import DiaryEntry, Flag, Patient
from patients.selectors.trends import trends_for
from portal.core.demo import seed_diaries
from portal.lib.timing import local_today
from tests.regimens.seeds import ensure_protocols


@pytest.fixture(autouse=True)
def _protocols(db):
    ensure_protocols()  # browser journeys flush what data migrations wrote


@pytest.mark.django_db
def test_it_gives_the_demo_patients_believable_diaries_with_something_to_flag():
    call_command("seed_demo")

    patients = {p.user.email: p for p in Patient.objects.select_related("user")}
    counts = {email: p.diary_entries.count() for email, p in patients.items()}
    assert counts["riley@example.com"] == 61 and counts["jordan@example.com"] == 52
    assert counts["patient@example.com"] == 60  # today is left for trying the diary
    open_kinds = {
        email: set(
            Flag.objects.filter(patient=p, resolved_at__isnull=True).values_list("kind", flat=True)
        )
        for email, p in patients.items()
    }
    assert "lasting_side_effect" in open_kinds["sam@example.com"]
    assert {"silent_diary", "thyroid_symptoms"} <= open_kinds["jordan@example.com"]
    assert {"opioid", "missed_doses", "severe_side_effect"} <= open_kinds["casey@example.com"]
    riley = patients["riley@example.com"]
    trends = trends_for(patient=riley, today=local_today(riley), days=90)
    assert trends.pain.responder is True
    pain = next(s for s in trends.summaries if s.measure == "pain")
    assert 5 <= pain.baseline <= 7 and 2 <= pain.recent <= 4


@pytest.mark.django_db
def test_it_adds_nothing_the_second_time():
    # The clock stands still: a demo patient's midnight between the two runs would rightly
    # give them a new day.
    with time_machine.travel(timezone.now(), tick=False):
        call_command("seed_demo")
        entries, flags = DiaryEntry.objects.count(), Flag.objects.count()

        assert seed_diaries() == 0
        call_command("seed_demo")

    assert (DiaryEntry.objects.count(), Flag.objects.count()) == (entries, flags)
