"""The provider home's triage queue and "mark reviewed"."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.world import build_care_team
from patients.models import Flag, Review
from patients.selectors.triage import triage_queue
from patients.services.diary import diary_entry_save
from patients.services.flags import flags_evaluate
from patients.services.medications import medication_add
from patients.services.profile import care_team_add
from patients.services.side_effects import side_effect_report
from regimens.services.reports import regimen_request_hold
from tests.factories import PatientUserFactory, ProviderFactory
from tests.patients.diary_factories import (
    NOW,
    TODAY,
    DiaryEntryFactory,
    days_ago,
    open_flags,
    start_regimen,
)

pytestmark = pytest.mark.django_db
HOME = reverse("provider_home")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def on_team(provider, name):
    patient = PatientUserFactory(name=name).patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    return patient


def order(provider):
    return [row.patient.name for row in triage_queue(provider=provider).rows]


def write_diary(patient, n, **values):
    """A diary day through the service, as the patient writes it (the status follows)."""
    diary_entry_save(
        patient=patient,
        day=days_ago(n),
        entered_by=patient.user,
        today=TODAY,
        values=values,
        now=NOW,
    )


def test_it_orders_by_the_most_serious_flag_then_the_titration_queue(provider):
    quiet = on_team(provider, "Quinn Quiet")
    start_regimen(quiet, provider, days_ago=3)  # nothing due, nothing flagged
    due = on_team(provider, "Dana Due")
    start_regimen(due, provider, days_ago=8)  # the 2 mg step is due
    held = on_team(provider, "Hana Hold")
    regimen = start_regimen(held, provider, days_ago=4)
    regimen_request_hold(regimen=regimen, requested_by=held.user)
    sore = on_team(provider, "Sam Sore")
    start_regimen(sore, provider, days_ago=8)
    write_diary(sore, 1, headache=2)
    severe = on_team(provider, "Sev Severe")
    start_regimen(severe, provider, days_ago=5)
    diary_entry_save(
        patient=severe,
        day=TODAY,
        entered_by=severe.user,
        today=TODAY,
        values={"headache": 3},
        now=NOW,
    )
    opioid = on_team(provider, "Otto Opioid")
    medication_add(patient=opioid, name="Tramadol 50 mg", added_by=opioid.user)
    silent = on_team(provider, "Sid Silent")
    DiaryEntryFactory(patient=silent, local_date=days_ago(10))
    flags_evaluate(patient=silent, today=TODAY, now=NOW)
    on_team(ProviderFactory(), "Not Mine")

    # Urgent flags first, then info, each in the titration queue's order (a step back first),
    # then step back, hold request, side effects and a due step without a flag.
    assert order(provider) == [
        "Sev Severe",
        "Otto Opioid",
        "Sid Silent",
        "Hana Hold",
        "Sam Sore",
        "Dana Due",
    ]


def test_it_shows_each_rows_flags_with_reasons_and_the_engines_recommendation(client_for, provider):
    patient = on_team(provider, "Sev Severe")
    start_regimen(patient, provider, days_ago=10)
    diary_entry_save(
        patient=patient,
        day=TODAY,
        entered_by=patient.user,
        today=TODAY,
        values={"nausea": 3},
        now=NOW,
    )

    page = client_for(provider).get(HOME).content.decode()

    assert "Needs your attention" in page
    assert "Severe nausea or stomach upset on 10 Mar 2026 (in the diary)" in page
    assert 'data-recommendation="step_back"' in page
    assert "Step back recommended" in page
    assert f'href="/patients/{patient.pk}/regimens/' in page and "/decide/step-back/" in page
    assert f'href="/patients/{patient.pk}/diary/"' in page
    assert f'href="/patients/{patient.pk}/trends/"' in page


def test_it_says_when_nothing_needs_attention(client_for, provider):
    on_team(provider, "Quinn Quiet")

    page = client_for(provider).get(HOME).content.decode()

    assert "No open flags and no titration decisions waiting." in page


def test_it_marks_a_patient_reviewed_closing_the_flags_shown(client_for, provider):
    patient = on_team(provider, "Sev Severe")
    diary_entry_save(
        patient=patient,
        day=TODAY,
        entered_by=patient.user,
        today=TODAY,
        values={"headache": 3},
        now=NOW,
    )
    (shown,) = open_flags(patient)
    diary_entry_save(
        patient=patient,
        day=days_ago(1),
        entered_by=patient.user,
        today=TODAY,
        values={"nausea": 3},
        now=NOW,
    )  # raised after the page was shown

    response = client_for(provider).post(
        reverse("patient_review", args=[patient.pk]),
        {"flags": [shown.pk], "note": "Phoned: resting, paracetamol.", "next": HOME},
    )

    assert response["Location"] == HOME
    review = Review.objects.get()
    assert (review.patient, review.reviewed_by, review.note) == (
        patient,
        provider,
        "Phoned: resting, paracetamol.",
    )
    assert list(review.flags.all()) == [shown]
    assert [f.cause for f in open_flags(patient)] == ["diary:severe:2026-03-09:nausea"]
    record = client_for(provider).get(reverse("patient_record", args=[patient.pk])).content.decode()
    assert "Phoned: resting, paracetamol." in record and "Review history" in record


def test_it_refuses_reviews_from_anyone_else(
    client, client_for, provider, other_provider, admin_user
):
    patient = on_team(provider, "Sev Severe")
    medication_add(patient=patient, name="Tramadol 50 mg", added_by=patient.user)
    url = reverse("patient_review", args=[patient.pk])
    flag = Flag.objects.get()

    assert client_for(other_provider).post(url, {"flags": [flag.pk]}).status_code == 404
    assert client_for(patient.user).post(url, {"flags": [flag.pk]}).status_code == 403
    assert client_for(admin_user).post(url, {"flags": [flag.pk]}).status_code == 403
    assert client_for(provider).get(url).status_code == 405
    client.logout()
    assert client.post(url, {"flags": [flag.pk]})["Location"].startswith("/accounts/login/")
    assert not Review.objects.exists() and open_flags(patient) == [flag]


def test_it_refuses_a_flag_of_another_patient(client_for, provider):
    patient = on_team(provider, "Pat One")
    other = on_team(provider, "Pat Two")
    medication_add(patient=other, name="Tramadol 50 mg", added_by=other.user)

    response = client_for(provider).post(
        reverse("patient_review", args=[patient.pk]), {"flags": [other.flags.get().pk]}
    )

    assert response["Location"] == HOME
    assert not Review.objects.exists() and len(open_flags(other)) == 1


def test_it_is_for_providers_only(client_for, patient_user, admin_user):
    assert client_for(patient_user).get(HOME).status_code == 403
    assert client_for(admin_user).get(HOME).status_code == 403


def test_it_pages_the_queue(client_for, provider):
    build_care_team(provider=provider, patients=25, diary_days=3, today=TODAY)

    first = triage_queue(provider=provider, page=1)
    second = triage_queue(provider=provider, page=2)

    assert len(first.rows) == 20 and first.has_next and not first.has_previous
    assert len(second.rows) == 5 and not second.has_next
    page = client_for(provider).get(HOME, {"page": "2"}).content.decode()
    assert 'href="?page=1"' in page
    assert client_for(provider).get(HOME, {"page": "x"}).status_code == 200


def _home_queries(client) -> int:
    client.get(HOME)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(HOME)
    assert response.status_code == 200
    return len(captured)


def test_it_loads_the_triage_page_in_the_same_queries_for_5_and_500_patients(
    client_for, django_assert_num_queries
):
    small, large = ProviderFactory(), ProviderFactory()
    build_care_team(provider=small, patients=5, diary_days=14, today=TODAY, prefix="small")
    build_care_team(provider=large, patients=500, diary_days=14, today=TODAY, prefix="large")

    few = _home_queries(client_for(small))
    browser = client_for(large)
    browser.get(HOME)  # the session settles on the first request after logging in
    with django_assert_num_queries(few):
        response = browser.get(HOME)

    assert response.content.decode().count("data-triage-patient=") == 20


def test_it_orders_decisions_as_the_titration_queue_does(provider):
    from regimens.selectors.queue import titration_queue

    def scene(name, days_ago=8, **extra):
        patient = on_team(provider, name)
        return patient, start_regimen(patient, provider, days_ago=days_ago, **extra)

    scene("Dana Due")
    held, regimen = scene("Hana Hold", days_ago=4)
    regimen_request_hold(regimen=regimen, requested_by=held.user)
    sore, _r = scene("Sam Sore", days_ago=3)
    write_diary(sore, 1, nausea=2)
    severe, _r = scene("Sev Severe", days_ago=3)
    write_diary(severe, 0, headache=3)
    sleepy, _r = scene("Sid Sleepy", days_ago=5)
    for n in (1, 2, 3):
        write_diary(sleepy, n, insomnia=1)
    morning, _r = scene("Mo Morning", days_ago=5, dose_time="morning")
    for n in (1, 2, 3):
        write_diary(morning, n, vivid_dreams=1)
    early, _r = scene("Ed Early", days_ago=2)
    write_diary(early, 3, headache=3)  # before the start: not the regimen's
    reported, regimen = scene("Rae Report", days_ago=3)
    side_effect_report(
        regimen=regimen, on=days_ago(1), kind="headache", severity=2, entered_by=reported.user
    )
    scene("Quinn Quiet", days_ago=3)

    queue = [item.patient.name for item in titration_queue(provider=provider).object_list]
    assert queue == ["Sev Severe", "Hana Hold", "Rae Report", "Sam Sore", "Sid Sleepy", "Dana Due"]
    # Triage: the urgent flags first (both severe headaches: Sev's with the step back
    # first), then the titration queue's order.
    assert order(provider) == [
        "Sev Severe",
        "Ed Early",
        "Hana Hold",
        "Rae Report",
        "Sam Sore",
        "Sid Sleepy",
        "Dana Due",
    ]
