"""The patient's diary pages: the diary, a day's entry (new and changed), bad input, the
morning check-in and PGIC."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.forms.diary import MorningCheckinForm
from patients.models import DiaryEntry, Flag, PGICResponse
from patients.services.medications import medication_add
from patients.services.profile import care_team_add
from portal.content.selectors import articles_for_tags
from regimens.models import DoseLog
from tests.content.factories import content
from tests.patients.diary_factories import (
    NOW,
    TODAY,
    DiaryEntryFactory,
    days_ago,
    start_regimen,
)
from tests.patients.factories import ConditionFactory, assert_field_error

pytestmark = pytest.mark.django_db
NEW = reverse("diary_new")


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
def me(client_for, patient_user):
    return client_for(patient_user)


def entry_url(day):
    return reverse("diary_entry", args=[day])


def test_it_is_for_patients_only(client, client_for, provider, admin_user, patient):
    DiaryEntryFactory(patient=patient)
    for user in (provider, admin_user):
        browser = client_for(user)
        for url in (reverse("diary"), NEW, entry_url(TODAY), reverse("diary_pgic")):
            assert browser.get(url).status_code == 403
        assert browser.post(NEW, {"day": TODAY, "pain": 3}).status_code == 403
        assert browser.post(reverse("diary_morning"), {"sleep": "good"}).status_code == 403
    client.logout()
    assert client.get(reverse("diary"))["Location"].startswith("/accounts/login/")
    assert DiaryEntry.objects.get().pain is None


def test_it_shows_only_the_patients_own_diary(client_for, other_patient_user, patient):
    DiaryEntryFactory(patient=patient, notes="My own private words")

    browser = client_for(other_patient_user)

    assert "My own private words" not in browser.get(reverse("diary")).content.decode()
    # Another patient's day is simply a day of their own diary, empty.
    assert browser.get(entry_url(TODAY))["Location"] == f"{NEW}?day=2026-03-10"


def test_it_writes_a_new_entry_with_the_anchors_written_out(me, patient):
    page = me.get(NEW).content.decode()
    assert "0 = no pain, 10 = worst pain imaginable" in page
    assert "0 = very poor, 10 = excellent" in page
    assert "Palpitations" not in page  # only for thyroid patients

    response = me.post(
        NEW,
        {
            "day": "2026-03-09",
            "pain": "6",
            "fatigue": "5",
            "sleep_quality": "3",
            "mood": "7",
            "insomnia": "2",
            "headache": "0",
            "notes": "Woke at 3",
        },
    )

    assert response["Location"] == reverse("diary")
    entry = DiaryEntry.objects.get(patient=patient)
    assert (entry.local_date, entry.pain, entry.insomnia, entry.headache, entry.vivid_dreams) == (
        days_ago(1),
        6,
        2,
        0,
        None,
    )
    assert "Your diary for 9 Mar is saved." in me.get(reverse("diary")).content.decode()


def test_it_says_what_is_wrong_and_keeps_what_was_typed(me):
    response = me.post(
        NEW, {"day": "2026-03-10", "pain": "12", "fatigue": "-1", "notes": "Keep these words"}
    )

    assert_field_error(response, "pain", "Pain is scored 0 to 10.")
    assert_field_error(response, "fatigue", "Fatigue is scored 0 to 10.")
    assert "Keep these words" in response.content.decode()
    assert not DiaryEntry.objects.exists()


def test_it_refuses_a_future_day_and_a_day_too_far_back(me):
    future = me.post(NEW, {"day": "2026-03-11", "pain": "3"})
    old = me.post(NEW, {"day": "2026-03-06", "pain": "3"})

    assert_field_error(
        future, "day", "A diary day cannot be in the future: choose 10 Mar 2026 or earlier."
    )
    assert_field_error(old, "day", "Entries can be changed for 3 days; this one is from 6 Mar.")
    assert not DiaryEntry.objects.exists()


def test_it_opens_the_existing_entry_for_a_day_that_has_one(me, patient):
    DiaryEntryFactory(patient=patient, pain=4)

    response = me.get(NEW, follow=True)

    assert response.redirect_chain == [(entry_url(TODAY), 302)]
    page = response.content.decode()
    assert "You already have an entry for 10 Mar: here it is to change." in page
    assert 'value="4"' in page


def test_it_keeps_what_was_typed_when_a_new_entry_hits_an_existing_day(me, patient):
    DiaryEntryFactory(patient=patient, pain=4, notes="Earlier words")

    response = me.post(NEW, {"day": "2026-03-10", "pain": "7", "notes": "Typed just now"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "You already have an entry for 10 Mar. What you typed is below" in page
    assert "Typed just now" in page and f'action="{entry_url(TODAY)}"' in page
    assert DiaryEntry.objects.get().pain == 4  # nothing saved over it yet


def test_it_changes_an_entry_inside_the_window_and_keeps_the_versions(me, patient):
    entry = DiaryEntryFactory(patient=patient, local_date=days_ago(3), pain=4)

    response = me.post(entry_url(days_ago(3)), {"pain": "2", "notes": "Corrected"})

    assert response["Location"] == reverse("diary")
    entry.refresh_from_db()
    assert entry.pain == 2 and entry.notes == "Corrected"
    assert [v.pain for v in entry.history.order_by("history_id")] == [4, 2]


def test_it_refuses_a_change_after_the_window_and_keeps_what_was_typed(me, patient):
    DiaryEntryFactory(patient=patient, local_date=days_ago(4), pain=4)

    shown = me.get(entry_url(days_ago(4))).content.decode()
    response = me.post(entry_url(days_ago(4)), {"pain": "1", "notes": "Too late?"})

    assert "Entries can be changed for 3 days; this one is from 6 Mar." in shown
    assert "Save the diary" not in shown
    page = response.content.decode()
    assert "Entries can be changed for 3 days; this one is from 6 Mar." in page
    assert "Too late?" in page
    assert DiaryEntry.objects.get().pain == 4


def test_it_answers_404_for_a_day_that_is_not_a_date(me):
    assert me.get("/diary/2026-02-30/").status_code == 404


def test_it_prefills_the_dose_from_the_dose_log_and_records_the_answer_there(me, patient, team):
    regimen = start_regimen(patient, team, days_ago=3)
    DoseLog.objects.create(
        regimen=regimen,
        on=TODAY,
        status="skipped",
        dose_mg=1,
        recorded_by=patient.user,
        recorded_at=NOW,
    )

    page = me.get(NEW).content.decode()
    me.post(NEW, {"day": "2026-03-10", "dose": "taken", "pain": "5"})

    assert re.search(r'value="skipped"[^>]*id="id_dose_1"[^>]*checked', page)
    assert DoseLog.objects.get(regimen=regimen, on=TODAY).status == "taken"


def test_it_asks_no_dose_question_without_an_active_regimen(me):
    assert "Your LDN dose that day" not in me.get(NEW).content.decode()


def test_it_asks_the_conditional_items_the_patient_needs(me, patient):
    medication_add(patient=patient, name="Levothyroxine 50 mcg", added_by=patient.user)
    patient.conditions.add(
        ConditionFactory(slug="insulin-resistance"), ConditionFactory(slug="crohns")
    )

    page = me.get(NEW).content.decode()
    for label in (
        "Palpitations",
        "Tremor",
        "Feeling too hot",
        "Anxiety",
        "Fasting glucose",
        "Stools (bowel movements) today",
    ):
        assert label in page
    response = me.post(
        NEW,
        {
            "day": "2026-03-10",
            "fasting_glucose": "97",
            "glucose_unit": "mmol/L",
            "stools_per_day": "4",
            "palpitations": "2",
        },
    )
    assert_field_error(
        response,
        "fasting_glucose",
        "A fasting glucose in mmol/L is between 1.1 and 33.3: check the number and the unit.",
    )
    no_unit = me.post(NEW, {"day": "2026-03-10", "fasting_glucose": "5.4"})
    assert_field_error(no_unit, "glucose_unit", "Choose the unit of your reading: mmol/L or mg/dL.")

    me.post(
        NEW,
        {
            "day": "2026-03-10",
            "fasting_glucose": "97",
            "glucose_unit": "mg/dL",
            "stools_per_day": "4",
            "palpitations": "2",
        },
    )

    entry = DiaryEntry.objects.get()
    assert (str(entry.fasting_glucose), entry.glucose_unit, entry.stools_per_day) == (
        "97.0",
        "mg/dL",
        4,
    )
    assert Flag.objects.filter(patient=patient, kind="thyroid_symptoms").exists()


def test_it_asks_which_other_side_effect(me):
    response = me.post(NEW, {"day": "2026-03-10", "other_effect": "1"})

    assert_field_error(
        response,
        "other_effect_text",
        "Say which other side effect you had, e.g. “dry mouth”, or set it to none.",
    )


def test_it_shows_the_sleep_article_to_a_patient_who_reports_insomnia(me, patient_user):
    content(slug="sleep-on-ldn", tags=["sleep", "side-effects"], audience="patients")
    expected = articles_for_tags(viewer=patient_user, tags=["sleep"], limit=3)[0].slug
    before = me.get(reverse("diary")).content.decode()

    me.post(NEW, {"day": "2026-03-10", "insomnia": "2"})

    after = me.get(reverse("diary")).content.decode()
    assert "Read more in the library" not in before
    assert "Read more in the library" in after
    assert f'href="/library/{expected}/"' in after


def test_it_records_the_morning_check_in_in_two_taps_with_htmx(me, patient):
    url = reverse("diary_morning")
    first = me.post(url, {"sleep": "poor", "next": "/patient/"}, HTTP_HX_REQUEST="true")
    second = me.post(url, {"dreams": "distressing"}, HTTP_HX_REQUEST="true")

    assert 'data-morning-step="dreams"' in first.content.decode()
    assert "<html" not in first.content.decode()
    assert 'data-morning-step="done"' in second.content.decode()
    entry = DiaryEntry.objects.get(patient=patient, local_date=TODAY)
    assert (entry.sleep_quality, entry.vivid_dreams, entry.morning_checkin_at) == (2, 2, NOW)


def test_it_records_the_morning_check_in_without_script_and_goes_back(me, patient):
    response = me.post(reverse("diary_morning"), {"sleep": "great", "next": "/patient/"})
    nowhere = me.post(reverse("diary_morning"), {"sleep": "great", "next": "https://evil.example/"})
    wrong = me.post(reverse("diary_morning"), {"sleep": "superb"})

    assert response["Location"] == "/patient/"
    assert nowhere["Location"] == reverse("diary")
    assert wrong["Location"] == reverse("diary")
    assert DiaryEntry.objects.get().sleep_quality == 9


def test_a_tap_that_is_not_an_answer_is_told_the_answers():
    sleep = MorningCheckinForm({"sleep": "superb"})
    dreams = MorningCheckinForm({"dreams": "strange"})

    assert not sleep.is_valid() and not dreams.is_valid()
    assert sleep.errors["sleep"] == ["Tap one of: Poorly, So-so, Well, Very well."]
    assert dreams.errors["dreams"] == ["Tap one of: None I remember, Vivid, Distressing."]


def test_it_shows_the_morning_check_in_and_todays_diary_on_the_patient_home(me, patient):
    page = me.get(reverse("patient_home")).content.decode()

    assert "Today's diary" in page and "How did you sleep?" in page


def test_it_asks_pgic_every_4_weeks_of_a_regimen(me, client_for, patient_user, patient, team):
    start_regimen(patient, team, days_ago=27)
    assert "data-pgic-due" not in me.get(reverse("patient_home")).content.decode()

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        me = client_for(patient_user)  # a day later the idle session has ended
        assert "data-pgic-due" in me.get(reverse("patient_home")).content.decode()
        response = me.post(reverse("diary_pgic"), {"score": "2"})
        assert response["Location"] == reverse("diary")
        assert "data-pgic-due" not in me.get(reverse("diary")).content.decode()

    answer = PGICResponse.objects.get()
    assert (answer.score, answer.occasion, answer.answered_on) == (2, "four_weekly", days_ago(-1))
    bad = me.post(reverse("diary_pgic"), {"score": "9"})
    assert_field_error(
        bad, "score", "Choose one of the seven answers, from very much improved to very much worse."
    )


def test_it_refuses_a_future_day_in_the_address_too(me):
    response = me.post(entry_url(TODAY + timedelta(days=2)), {"pain": "3"})

    assert (
        "A diary day cannot be in the future: choose 10 Mar 2026 or earlier."
        in response.content.decode()
    )
    assert not DiaryEntry.objects.exists()


def test_it_refuses_a_day_with_no_answer_at_all_and_saves_a_partial_one(me, patient):
    blank = me.post(NEW, {"day": "2026-03-10", "notes": "   "})

    assert blank.status_code == 200
    assert "Nothing was saved: answer at least one question" in blank.content.decode()
    assert not DiaryEntry.objects.exists()

    me.post(NEW, {"day": "2026-03-10", "mood": "6"})
    entry = DiaryEntry.objects.get()
    assert (entry.mood, entry.pain, entry.headache) == (6, None, None)


def test_it_refuses_a_number_it_cannot_read_instead_of_saving_it_blank(me, patient):
    patient.conditions.add(
        ConditionFactory(slug="insulin-resistance"), ConditionFactory(slug="crohns")
    )

    response = me.post(
        NEW,
        {"day": "2026-03-10", "pain": "3", "fasting_glucose": "7e", "glucose_unit": "mmol/L"},
    )
    stools = me.post(NEW, {"day": "2026-03-10", "pain": "3", "stools_per_day": "4x"})

    assert_field_error(
        response, "fasting_glucose", "Enter the reading as a number, e.g. 5.4 or 97."
    )
    assert_field_error(stools, "stools_per_day", "Stools per day is a count from 0 to 40.")
    assert 'inputmode="decimal"' in response.content.decode()
    assert not DiaryEntry.objects.exists()


def test_no_side_effects_today_rates_every_unrated_item_none(me, patient):
    me.post(NEW, {"day": "2026-03-10", "headache": "1", "no_side_effects": "on"})

    entry = DiaryEntry.objects.get()
    assert (entry.headache, entry.nausea, entry.insomnia, entry.vivid_dreams) == (1, 0, 0, 0)
    assert entry.other_effect == 0 and entry.palpitations is None  # not asked of this patient


def test_same_as_yesterday_fills_the_day_before_for_review_without_saving(me, patient):
    DiaryEntryFactory(
        patient=patient, local_date=days_ago(1), pain=5, mood=7, headache=1, notes="Private"
    )
    DiaryEntryFactory(patient=patient, local_date=TODAY, sleep_quality=2, pain=None, mood=None)

    page = me.get(entry_url(TODAY) + "?same=1").content.decode()

    assert "answers are filled in: check them" in page
    assert re.search(r'name="pain" value="5"[^>]*checked', page)
    assert re.search(r'name="sleep_quality" value="2"[^>]*checked', page)  # today's kept
    assert re.search(r'name="headache" value="1"[^>]*checked', page)
    assert "Private" not in page
    assert DiaryEntry.objects.get(local_date=TODAY).pain is None


def test_add_an_earlier_day_offers_the_days_of_the_window(me, patient):
    DiaryEntryFactory(patient=patient, local_date=TODAY)
    DiaryEntryFactory(patient=patient, local_date=days_ago(1))

    response = me.get(NEW + "?earlier=1")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Today, 10 Mar (written: saving changes it)" in page
    assert "Yesterday, 9 Mar (written: saving changes it)" in page
    assert "Sunday, 8 Mar" in page and "Saturday, 7 Mar" in page
    assert "Friday, 6 Mar" not in page
    assert re.search(r'value="2026-03-08"[^>]*checked', page)
    me.post(NEW, {"day": "2026-03-07", "pain": "4"})
    assert DiaryEntry.objects.get(local_date=days_ago(3)).pain == 4


def test_the_entry_page_has_one_read_more_box(me):
    for slug, tag in (("sleep", "sleep"), ("headache", "headache"), ("nausea", "nausea")):
        content(slug=slug, title=f"About {slug}", tags=[tag], audience="patients")

    page = me.get(NEW).content.decode()

    assert page.count("Read more in the library") == 1
