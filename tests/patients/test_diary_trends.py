"""Trends: the patient's and the care team's charts, tables and summary."""

import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.selectors.trends import trends_for
from patients.services.profile import care_team_add
from portal.audit.models import AccessEvent
from regimens.services.decisions import regimen_pause, regimen_resume, regimen_stop
from tests.patients.diary_factories import (
    NOW,
    TODAY,
    DiaryEntryFactory,
    days_ago,
    start_regimen,
    step_up,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(patient_user):
    return patient_user.patient


@pytest.fixture
def team(patient, provider):
    care_team_add(patient=patient, provider=provider, added_by=provider)
    return provider


@pytest.fixture
def responder(patient, team):
    """Pain about 6 in the two weeks before the regimen, about 3 in the last two weeks."""
    regimen = start_regimen(patient, team, days_ago=28)
    step_up(regimen, team, days_ago=21, dose="2")
    step_up(regimen, team, days_ago=14, dose="3")
    for n in range(29, 42):  # 13 baseline days
        DiaryEntryFactory(patient=patient, local_date=days_ago(n), pain=6, sleep_quality=4)
    for n in range(0, 14):
        DiaryEntryFactory(
            patient=patient,
            local_date=days_ago(n),
            pain=3 if n % 2 else 2,
            sleep_quality=6,
            insomnia=1 if n == 3 else 0,
        )
    return regimen


def test_it_draws_the_dose_steps_beside_the_scores(patient, responder):
    trends = trends_for(patient=patient, today=TODAY, days=30)

    dose = trends.chart["series"]["dose"]
    assert len(dose) == 30 and len(trends.chart["labels"]) == 30
    assert dose[0] is None  # 29 days ago: before the regimen
    assert dose[1:8] == [1.0] * 7 and dose[8:15] == [2.0] * 7 and dose[15:] == [3.0] * 15
    assert dose[-1] == 3.0
    assert trends.chart["series"]["pain"][-1] == 2
    assert trends.chart["names"]["dose"] == "Dose (mg)"
    assert trends.rows[-1]["dose"] == "3" and trends.rows[0]["day"] == days_ago(29)


def test_it_summarises_the_baseline_against_the_last_14_days(patient, responder):
    trends = trends_for(patient=patient, today=TODAY, days=90)

    pain = next(s for s in trends.summaries if s.measure == "pain")
    assert (pain.baseline, pain.recent, pain.change) == (
        Decimal("6.0"),
        Decimal("2.5"),
        Decimal("-3.5"),
    )
    assert (pain.baseline_days, pain.recent_days) == (13, 14)
    assert pain.sentence == "Pain: 6.0 before the regimen, 2.5 recently: down 3.5 points (better)."
    sleep = next(s for s in trends.summaries if s.measure == "sleep_quality")
    assert (
        sleep.sentence
        == "Sleep quality: 4.0 before the regimen, 6.0 recently: up 2.0 points (better)."
    )
    fatigue = next(s for s in trends.summaries if s.measure == "fatigue")
    assert fatigue.sentence == (
        "Fatigue: not compared yet: no day with a score in the 2 weeks before LDN to compare"
        " with; 7 more days with a score on LDN are needed."
    )
    assert trends.pain.responder is True
    assert trends.pain.fall_percent == Decimal("58.3")
    assert trends.baseline_window == (days_ago(42), days_ago(29))
    assert trends.reported_tags == ["sleep"]


@pytest.mark.parametrize("days", [30, 90, 365])
def test_the_summary_counts_only_the_two_windows_whatever_the_range(patient, responder, days):
    # Days between the windows score 9: counted, they would move both means. At 30 days the
    # baseline (29 to 42 days ago) lies before the page's range and is read on its own; at 90
    # and 365 it comes from the days the page already read.
    for n in range(14, 28):
        DiaryEntryFactory(patient=patient, local_date=days_ago(n), pain=9, sleep_quality=1)

    trends = trends_for(patient=patient, today=TODAY, days=days)

    pain = next(s for s in trends.summaries if s.measure == "pain")
    assert (pain.baseline, pain.recent, pain.baseline_days, pain.recent_days) == (
        Decimal("6.0"),
        Decimal("2.5"),
        13,
        14,
    )
    sleep = next(s for s in trends.summaries if s.measure == "sleep_quality")
    assert (sleep.baseline, sleep.recent) == (Decimal("4.0"), Decimal("6.0"))


def test_it_leaves_out_the_days_a_regimen_was_paused(patient, team):
    regimen = start_regimen(patient, team, days_ago=10)
    regimen_pause(regimen=regimen, decided_by=team, reason="surgery", today=days_ago(4))

    dose = trends_for(patient=patient, today=TODAY, days=30).chart["series"]["dose"]

    assert dose[-12:] == [None] + [1.0] * 6 + [None] * 5


def test_it_says_when_there_is_no_regimen_to_compare_with(client_for, patient_user, patient):
    DiaryEntryFactory(patient=patient, pain=5)

    page = client_for(patient_user).get(reverse("diary_trends")).content.decode()

    assert "It appears once a regimen has started." in page


def test_it_shows_the_patient_their_trends_with_charts_and_tables(
    client_for, patient_user, patient, responder
):
    response = client_for(patient_user).get(reverse("diary_trends"), {"days": "30"})

    page = response.content.decode()
    for name in ("pain", "fatigue", "sleep_quality", "mood", "effects"):
        assert f'<canvas id="chart-{name}"' in page
    assert '<caption id="scores-caption">Daily scores (0 to 10) and the dose</caption>' in page
    assert '<th scope="col">Dose (mg)</th>' in page
    assert 'data-responder="yes"' in page
    assert re.search(
        r'<a class="nav-link active" href="/diary/trends/\?days=30" aria-current="page"', page
    )
    data = json.loads(
        re.search(
            r'<script id="trends-data" type="application/json">(.*?)</script>', page, re.S
        ).group(1)
    )
    assert len(data["labels"]) == 30
    assert '<script src="/static/js/trends.js" defer></script>' in page
    assert not AccessEvent.objects.exists()  # the patient reading their own record


def test_it_falls_back_to_90_days_for_an_unknown_range(client_for, patient_user, patient):
    page = client_for(patient_user).get(reverse("diary_trends"), {"days": "7"}).content.decode()

    assert re.search(r'class="nav-link active" href="/diary/trends/\?days=90"', page)


def test_it_shows_the_care_team_the_trends_and_audits_it(client_for, team, patient, responder):
    url = reverse("patient_trends", args=[patient.pk])

    response = client_for(team).get(url)

    assert response.status_code == 200
    assert "Trends: Pat Patient" in response.content.decode()
    event = AccessEvent.objects.get()
    assert (event.actor, event.action, event.path) == (team, "view_trends", url)


def test_it_refuses_the_trends_to_anyone_else(
    client_for, client, patient, team, other_provider, patient_user, admin_user
):
    url = reverse("patient_trends", args=[patient.pk])

    assert client_for(other_provider).get(url).status_code == 404
    assert client_for(patient_user).get(url).status_code == 403
    assert client_for(admin_user).get(url).status_code == 403
    assert client_for(team).post(url).status_code == 405
    client.logout()
    assert client.get(url)["Location"].startswith("/accounts/login/")
    assert client_for(team).get(reverse("diary_trends")).status_code == 403
    assert not AccessEvent.objects.filter(action="view_trends").exclude(actor=team).exists()


def test_it_ends_the_dose_line_when_the_regimen_stops(patient, team):
    regimen = start_regimen(patient, team, days_ago=5)
    regimen_stop(regimen=regimen, decided_by=team, reason="patient_request", today=days_ago(2))

    dose = trends_for(patient=patient, today=TODAY, days=30).chart["series"]["dose"]

    assert dose[-7:] == [None, 1.0, 1.0, 1.0, None, None, None]


def test_it_draws_a_resumed_regimen_again_after_its_pause(patient, team):
    regimen = start_regimen(patient, team, days_ago=10)
    regimen_pause(regimen=regimen, decided_by=team, reason="surgery", today=days_ago(6))
    regimen_resume(
        regimen=regimen, dose_mg=Decimal("1"), decided_by=team, reason="other", today=days_ago(2)
    )

    dose = trends_for(patient=patient, today=TODAY, days=30).chart["series"]["dose"]

    assert dose[-11:] == [1.0] * 4 + [None] * 4 + [1.0] * 3


def test_four_days_on_ldn_are_not_compared_and_it_says_how_many_more_are_needed(
    client_for, patient_user, patient, team
):
    start_regimen(patient, team, days_ago=3)
    for n in range(4, 18):
        DiaryEntryFactory(patient=patient, local_date=days_ago(n), pain=6)
    for n in range(0, 4):
        DiaryEntryFactory(patient=patient, local_date=days_ago(n), pain=3)

    trends = trends_for(patient=patient, today=TODAY, days=30)

    pain = next(s for s in trends.summaries if s.measure == "pain")
    assert pain.baseline == Decimal("6.0") and pain.recent is None
    assert pain.sentence == ("Pain: not compared yet: 3 more days with a score on LDN are needed.")
    assert trends.pain.responder is None
    assert trends.pain.sentence == (
        "Too early to tell whether pain fell: 3 more days with a score on LDN are needed."
    )
    page = client_for(patient_user).get(reverse("diary_trends")).content.decode()
    assert "Farrar 2001" not in page


def test_the_page_opens_on_30_days_for_a_young_regimen_and_90_for_an_older_one(
    client_for, patient_user, patient, team
):
    me = client_for(patient_user)
    regimen = start_regimen(patient, team, days_ago=10)
    assert me.get(reverse("diary_trends")).context["trends"].days == 30
    type(regimen).objects.filter(pk=regimen.pk).update(started_on=days_ago(120))
    assert me.get(reverse("diary_trends")).context["trends"].days == 90


def test_the_chart_data_holds_the_rolling_means_and_the_dose_bands(patient, responder):
    chart = trends_for(patient=patient, today=TODAY, days=30).chart

    assert [b["label"] for b in chart["bands"]] == ["1 mg", "2 mg", "3 mg"]
    assert chart["means"]["pain"][-1] == 2.4  # 2, 3, 2, 3, 2, 3, 2 over the last 7 days
    assert chart["worst"][-4] == 1  # mild trouble sleeping 3 days ago
