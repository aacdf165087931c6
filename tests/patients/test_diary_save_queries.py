"""Saving a diary day is one short transaction: the page's POST runs a pinned number of
queries, and still keeps the day's history, raises the flags the rules call for and brings
the patient's status row up to date."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.world import build_care_team
from patients.models import DiaryEntry, Flag, PatientStatus
from regimens.models import DoseLog
from tests.factories import ProviderFactory
from tests.patients.diary_factories import NOW, TODAY

pytestmark = pytest.mark.django_db

# The whole request, counted inside the test's transaction (the save's own transaction shows
# as a SAVEPOINT and a RELEASE, which production does not run, so they are left out): the
# session, the user, the patient; the lock on the patient with its status row, and the
# clinical picture the form, the flags and the status share (the open regimen with its
# steps, the dose log, the diary, the side-effect reports); the entry with its history,
# the flags and the status row. 12 in all for a day that changes no flag.
SAVE_QUERIES = 12
# Here an urgent flag is raised: the flag with its history and the care team's safety
# notice (the care team, the provider's preferences, the notice).
SAVE_RAISING_A_FLAG_QUERIES = 19
SAVE_WITH_DOSE_QUERIES = 23
ANSWERS = {"pain": "4", "fatigue": "5", "sleep_quality": "6", "mood": "6", "nausea": "0"}


@pytest.fixture
def scene(client_for):
    with time_machine.travel(NOW, tick=False):
        world = build_care_team(provider=ProviderFactory(), patients=3, diary_days=30, today=TODAY)
        patient = world.patients[0]
        browser = client_for(patient.user)
        url = reverse("diary_entry", kwargs={"day": TODAY})
        browser.get(url)  # the first request after logging in writes the session
        yield patient, browser, url


def _post(browser, url, data):
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
        response = browser.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return captured


def _production(captured) -> list[str]:
    """The queries production runs: not the savepoints the test's transaction adds."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def _listed(captured) -> str:
    return "\n".join(sql[:120] for sql in _production(captured))


def test_saving_a_diary_day_that_changes_no_flag_runs_twelve_queries(scene):
    patient, browser, url = scene
    logged = DoseLog.objects.get(regimen__patient=patient, on=TODAY).status
    open_flags = set(Flag.objects.filter(patient=patient, resolved_at__isnull=True))

    captured = _post(browser, url, {**ANSWERS, "dose": logged, "pain": "7"})

    assert len(_production(captured)) <= SAVE_QUERIES, _listed(captured)
    assert DiaryEntry.objects.get(patient=patient, local_date=TODAY).pain == 7
    assert set(Flag.objects.filter(patient=patient, resolved_at__isnull=True)) == open_flags
    status = PatientStatus.objects.get(pk=patient.pk)
    assert status.last_diary_on == TODAY and status.refreshed_at == NOW


def test_saving_a_diary_day_runs_a_pinned_number_of_queries_and_keeps_its_history(scene):
    patient, browser, url = scene
    logged = DoseLog.objects.get(regimen__patient=patient, on=TODAY).status
    versions = DiaryEntry.history.filter(patient_id=patient.pk, local_date=TODAY).count()

    captured = _post(browser, url, {**ANSWERS, "dose": logged, "nausea": "3"})

    assert len(_production(captured)) <= SAVE_RAISING_A_FLAG_QUERIES, _listed(captured)
    entry = DiaryEntry.objects.get(patient=patient, local_date=TODAY)
    assert (entry.pain, entry.nausea) == (4, 3)
    assert DiaryEntry.history.filter(patient_id=patient.pk, local_date=TODAY).count() == (
        versions + 1
    )
    severe = Flag.objects.exclude(cause__startswith="bench:").get(  # not the world's own flag
        patient=patient, kind=Flag.Kind.SEVERE_SIDE_EFFECT, resolved_at__isnull=True
    )
    status = PatientStatus.objects.get(pk=patient.pk)
    assert status.top_severity == Flag.Severity.URGENT == severe.severity
    assert status.last_diary_on == TODAY and status.refreshed_at == NOW


def test_a_changed_dose_answer_is_logged_within_its_own_pinned_queries(scene):
    patient, browser, url = scene
    log = DoseLog.objects.get(regimen__patient=patient, on=TODAY)
    other = DoseLog.Status.SKIPPED if log.status != DoseLog.Status.SKIPPED else DoseLog.Status.TAKEN

    captured = _post(browser, url, {**ANSWERS, "dose": other})

    assert len(_production(captured)) <= SAVE_WITH_DOSE_QUERIES, _listed(captured)
    log.refresh_from_db()
    assert log.status == other and log.history.count() >= 1
    assert PatientStatus.objects.get(pk=patient.pk).refreshed_at == NOW
