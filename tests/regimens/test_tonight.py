"""The patient's Tonight page: the dose, the plan, the dose log and requests."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import SideEffectReport
from regimens.models import DoseLog
from regimens.services.decisions import regimen_pause, regimen_stop
from regimens.services.plans import plan_approve, plan_propose
from tests.regimens.conftest import TODAY

TONIGHT = reverse("tonight")


@pytest.fixture
def regimen(patient, team, start_regimen):
    return start_regimen(patient, team, days_ago=3)


@pytest.mark.django_db
def test_it_is_for_patients_only(client_for, frozen, regimen, team, admin_user):
    for user in (team, admin_user):
        client = client_for(user)
        assert client.get(TONIGHT).status_code == 403
        assert client.post(reverse("dose_log"), {"status": "taken"}).status_code == 403
        assert client.post(reverse("hold_request")).status_code == 403
        assert client.get(reverse("tonight_side_effect")).status_code == 403
    assert not DoseLog.objects.exists()


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get(TONIGHT)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_it_says_plainly_when_there_is_no_regimen(client_for, frozen, patient_user):
    page = client_for(patient_user).get(TONIGHT).content.decode()

    assert "Your provider has not started a regimen for you yet." in page


@pytest.mark.django_db
def test_it_says_when_the_regimen_ended(client_for, frozen, regimen, team, patient_user):
    regimen_stop(regimen=regimen, decided_by=team, reason="patient_request", today=TODAY)

    page = client_for(patient_user).get(TONIGHT).content.decode()

    assert "Your LDN regimen ended on 10 Mar 2026 (stopped)." in page


@pytest.mark.django_db
def test_it_shows_only_the_patients_own_regimen(client_for, frozen, regimen, other_patient_user):
    page = client_for(other_patient_user).get(TONIGHT).content.decode()

    assert "not started a regimen" in page
    assert "1.0 mL" not in page


@pytest.mark.django_db
def test_it_shows_tonights_dose_the_next_step_and_the_plan(
    client_for, frozen, regimen, patient_user
):
    page = client_for(patient_user).get(TONIGHT).content.decode()

    assert "1 mg: 1.0 mL of your 1 mg/mL liquid" in page
    assert "Take it at bedtime" in page
    assert "From 14 Mar 2026: 2 mg: 2.0 mL of your 1 mg/mL liquid." in page
    assert "4.5 mg: 4.5 mL of your 1 mg/mL liquid" in page
    assert "Plan history" in page and "Started at 1 mg" in page
    assert "do not take two doses" in page.lower()


@pytest.mark.django_db
def test_it_marks_tonights_dose_and_updates_it(client_for, frozen, regimen, patient_user):
    client = client_for(patient_user)

    client.post(reverse("dose_log"), {"status": "taken"})
    response = client.post(reverse("dose_log"), {"status": "missed"}, follow=True)

    log = DoseLog.objects.get()
    assert (log.on, log.status, log.recorded_by) == (TODAY, "missed", patient_user)
    assert "Do not take two doses to make up for it" in response.content.decode()
    assert "You marked today's dose: missed." in response.content.decode()


@pytest.mark.django_db
def test_it_refuses_an_unknown_dose_status(client_for, frozen, regimen, patient_user):
    response = client_for(patient_user).post(reverse("dose_log"), {"status": "double"}, follow=True)

    assert "Choose taken, skipped or missed." in response.content.decode()
    assert not DoseLog.objects.exists()


@pytest.mark.django_db
def test_it_refuses_dose_logs_and_holds_without_a_regimen(client_for, frozen, patient_user):
    client = client_for(patient_user)

    response = client.post(reverse("dose_log"), {"status": "taken"}, follow=True)
    client.post(reverse("hold_request"))

    assert "not started a regimen" in response.content.decode()
    assert not DoseLog.objects.exists()


@pytest.mark.django_db
def test_it_sends_a_hold_request_to_the_care_team(client_for, frozen, regimen, patient_user, team):
    client = client_for(patient_user)

    client.post(reverse("hold_request"), {"hold-note": "Exams this week"})

    regimen.refresh_from_db()
    assert regimen.hold_request_note == "Exams this week"
    assert "You asked on 10 Mar 2026 to stay on this dose" in client.get(TONIGHT).content.decode()
    queue = client_for(team).get(reverse("titration_queue")).content.decode()
    assert "Patient asked to hold" in queue and "Exams this week" in queue


@pytest.mark.django_db
def test_it_records_a_side_effect_from_the_patient(client_for, frozen, regimen, patient_user):
    client = client_for(patient_user)
    data = {
        "side_effect-on": TODAY.isoformat(),
        "side_effect-kind": "vivid_dreams",
        "side_effect-severity": "2",
    }

    response = client.post(reverse("tonight_side_effect"), data)

    report = SideEffectReport.objects.get()
    assert response.status_code == 302
    assert (report.kind, report.severity, report.entered_by) == ("vivid_dreams", 2, patient_user)


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"side_effect-on": (TODAY + timedelta(days=1)).isoformat()}, "on", "future"),
        ({"side_effect-on": (TODAY - timedelta(days=4)).isoformat()}, "on", "from 7 Mar 2026"),
        ({"side_effect-kind": "other"}, "note", "say what it was"),
        ({"side_effect-severity": "5"}, "severity", "valid choice"),
    ],
)
@pytest.mark.django_db
def test_it_explains_a_bad_side_effect_report(
    client_for, frozen, regimen, patient_user, changes, field, expected
):
    data = {
        "side_effect-on": TODAY.isoformat(),
        "side_effect-kind": "headache",
        "side_effect-severity": "1",
    } | changes

    response = client_for(patient_user).post(reverse("tonight_side_effect"), data)

    errors = [str(e) for e in response.context["form"].errors.get(field, [])]
    assert any(expected in e for e in errors), response.context["form"].errors
    assert not SideEffectReport.objects.exists()


@pytest.mark.django_db
def test_it_lets_the_care_team_report_a_side_effect_and_refuses_others(
    client_for, frozen, regimen, team, other_provider, patient_user
):
    url = reverse("regimen_side_effect", args=[regimen.patient_id, regimen.pk])
    data = {
        "side_effect-on": TODAY.isoformat(),
        "side_effect-kind": "nausea",
        "side_effect-severity": "3",
    }

    assert client_for(other_provider).post(url, data).status_code == 404
    assert client_for(patient_user).post(url, data).status_code == 403
    assert not SideEffectReport.objects.exists()
    response = client_for(team).post(url, data)

    assert response.status_code == 302
    assert SideEffectReport.objects.get().entered_by == team


@pytest.mark.django_db
def test_it_tells_a_paused_patient_not_to_take_it(client_for, frozen, regimen, team, patient_user):
    regimen_pause(regimen=regimen, decided_by=team, reason="surgery", today=TODAY)

    page = client_for(patient_user).get(TONIGHT).content.decode()

    assert "Your LDN is paused since 10 Mar 2026" in page
    assert "do not restart on your own: your care team confirms the day and the dose" in page
    assert "Tonight&#x27;s dose" not in page and "data-dose" not in page
    # A patient who took it anyway can still say so (the care team is told).
    assert "Took LDN anyway? Say so below" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind, dose_time, title",
    [
        ("procedure", "bedtime", "Tonight is your last LDN dose before your procedure"),
        ("procedure", "morning", "Today is your last LDN dose before your procedure"),
        ("course", "bedtime", "Tonight is your last LDN dose before your pause"),
        ("course", "morning", "Today is your last LDN dose before your pause"),
    ],
)
def test_it_names_the_last_dose_before_a_procedure_or_a_pause(
    client_for, frozen, patient, team, patient_user, start_regimen, kind, dose_time, title
):
    start_regimen(patient, team, days_ago=3, dose_time=dose_time)
    dates = (
        {"procedure_on": TODAY + timedelta(days=3)}
        if kind == "procedure"
        else {
            "medication_name": "codeine 30 mg",
            "course_starts_on": TODAY + timedelta(days=1),
            "course_ends_on": TODAY + timedelta(days=2),
        }
    )
    plan = plan_propose(patient=patient, created_by=patient_user, kind=kind, today=TODAY, **dates)
    plan_approve(plan=plan, decided_by=team, today=TODAY)  # the last dose is today

    page = client_for(patient_user).get(TONIGHT).content.decode()

    assert title in page
    assert ("Take today's dose as usual" in page) == (dose_time == "morning")
    assert ("Take tonight's dose as usual" in page) == (dose_time == "bedtime")


def test_tonight_reads_the_regimen_the_opioids_and_the_pauses_once(
    client_for, frozen, regimen, patient_user
):
    """Tonight's dose, its opioid status and the supply card share one read of each."""
    client = client_for(patient_user)
    client.get(reverse("tonight"))  # the session written

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("tonight"))

    assert response.status_code == 200
    read = [query["sql"] for query in captured.captured_queries]
    for table in ("regimens_regimen", "patients_medication", "regimens_pauseplan"):
        assert sum(f'FROM "{table}"' in sql for sql in read) == 1, table
