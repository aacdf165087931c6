"""The installable app's files (manifest, service worker, offline page) and the sends of
entries a phone kept offline: saved exactly once by their key, a newer answer on the portal
is a conflict for the patient to settle, and nothing is saved for anyone else."""

import json
import uuid
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from patients.models import DiaryEntry
from patients.services.diary import diary_entry_save
from patients.services.profile import care_team_add
from portal.core.models import OfflineSubmission
from portal.lib.timing import local_today
from regimens.models import DoseLog
from regimens.services.reports import dose_log_mark
from tests.factories import PatientUserFactory
from tests.notifications.factories import start_regimen

DOSE = reverse("offline_dose")
DIARY = reverse("offline_diary")
MORNING = reverse("offline_morning")


@pytest.fixture
def on_ldn(patient_user, provider):
    patient = patient_user.patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    today = local_today(patient)
    regimen = start_regimen(patient, provider, start_on=today - timedelta(days=3))
    return patient, regimen, today


def _entry(user, day, **fields):
    return {
        "key": str(uuid.uuid4()),
        "owner": user.pk,
        "day": day.isoformat(),
        "saved_at": timezone.now().isoformat(),
        **fields,
    }


def _send(client, url, entry):
    return client.post(url, json.dumps(entry), content_type="application/json")


# --- The app's files ------------------------------------------------------------------------


def test_the_manifest_is_served_as_a_manifest_with_every_icon(client):
    response = client.get(reverse("web_manifest"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    assert manifest["theme_color"] and manifest["background_color"]
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


@pytest.mark.parametrize(
    ("who", "start"), [("patient_user", "/patient/"), ("provider", "/provider/")]
)
def test_the_app_opens_on_the_users_home(client_for, request, who, start):
    client = client_for(request.getfixturevalue(who))

    assert client.get(reverse("web_manifest")).json()["start_url"] == start


def test_the_manifest_speaks_the_readers_language(client):
    manifest = client.get(reverse("web_manifest"), HTTP_ACCEPT_LANGUAGE="es").json()

    assert manifest["lang"] == "es"
    assert manifest["name"] == "Portal LDN"


def test_the_service_worker_covers_the_site_and_keeps_only_the_shell(client):
    response = client.get(reverse("service_worker"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    source = response.content.decode()
    config = json.loads(source.split("self.LDN_CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["version"]
    assert set(config["offline"].values()) == {"/offline/en/", "/offline/es/"}
    for url in config["shell"]:
        assert url.startswith("/static/") or url in config["offline"].values(), url


def _version(response):
    source = response.content.decode()
    return json.loads(source.split("self.LDN_CONFIG = ", 1)[1].split(";\n", 1)[0])["version"]


def test_the_service_workers_version_follows_the_offline_pages_not_the_session(
    client, client_for, patient_user, monkeypatch
):
    url = reverse("service_worker")
    anonymous = _version(client.get(url))

    assert _version(client_for(patient_user).get(url)) == anonymous
    assert _version(client.get(url, HTTP_ACCEPT_LANGUAGE="es")) == anonymous
    monkeypatch.setattr(
        "portal.core.views._offline_html", lambda request, language: f"new words {language}"
    )
    assert _version(client.get(url)) != anonymous


def test_the_offline_page_holds_nothing_of_the_session(client_for, patient_user):
    client = client_for(patient_user)

    english = client.get(reverse("offline_page", args=["en"]))
    spanish = client.get(reverse("offline_page", args=["es"]))

    assert "No connection" in english.text
    assert "Sin conexión" in spanish.text
    for page in (english, spanish):
        assert patient_user.email not in page.text
        assert patient_user.name not in page.text
        assert "data-offline-owner" not in page.text
        assert "csrfmiddlewaretoken" not in page.text


def test_the_offline_page_offers_the_dose_and_blank_scores_hidden_until_the_phone_says_whose(
    client_for, on_ldn
):
    patient, regimen, today = on_ldn
    diary_entry_save(
        patient=patient, day=today, entered_by=patient.user, today=today, values={"pain": 7}
    )
    client = client_for(patient.user)

    english = client.get(reverse("offline_page", args=["en"]))
    spanish = client.get(reverse("offline_page", args=["es"]))

    assert "data-offline-actions hidden" in english.text
    assert 'name="status" value="taken"' in english.text
    assert "I took my LDN dose" in english.text
    assert "Tomé mi dosis de LDN" in spanish.text
    # Whatever the patient's opioid status, nothing here tells them to take LDN.
    assert "do not take it" in english.text
    assert "no la tome" in spanish.text
    assert 'name="only" value="pain fatigue sleep_quality mood"' in english.text
    for name in ("pain", "fatigue", "sleep_quality", "mood"):
        assert f'name="{name}"' in english.text
    assert "checked" not in english.text  # blank: nothing of this patient's diary
    someone_else = PatientUserFactory(email="someone.else@example.org", name="Someone Else")
    assert english.content == client_for(someone_else).get(english.request["PATH_INFO"]).content


def test_an_unknown_offline_language_is_not_found(client):
    assert client.get("/offline/xx/").status_code == 404


def test_logging_out_tells_the_browser_to_drop_the_sites_storage(client_for, patient_user):
    """Storage (the service worker, its caches, the offline store), not the HTTP cache,
    which Chromium clears for seconds before answering and which holds no page of a
    logged-in user."""
    client = client_for(patient_user)
    assert "no-store" in client.get(reverse("patient_home"))["Cache-Control"]

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"storage"'


# --- Tonight's dose, sent later ---------------------------------------------------------------


def test_a_dose_kept_offline_is_saved_once_however_often_it_is_sent(client_for, on_ldn):
    patient, regimen, today = on_ldn
    client = client_for(patient.user)
    entry = _entry(patient.user, today, status="taken")

    answers = [_send(client, DOSE, entry) for _ in range(3)]

    assert [a.json()["result"] for a in answers] == ["saved", "duplicate", "duplicate"]
    assert answers[0].status_code == 201
    log = DoseLog.objects.get(regimen=regimen)
    assert (log.on, log.status, log.recorded_by) == (today, "taken", patient.user)
    assert OfflineSubmission.objects.filter(key=entry["key"]).count() == 1


def test_a_newer_dose_on_the_portal_is_a_conflict_for_the_patient(client_for, on_ldn):
    patient, regimen, today = on_ldn
    client = client_for(patient.user)
    entry = _entry(patient.user, today, status="taken")
    entry["saved_at"] = (timezone.now() - timedelta(hours=1)).isoformat()
    dose_log_mark(regimen=regimen, on=today, status="skipped", recorded_by=patient.user)

    conflict = _send(client, DOSE, entry)

    assert conflict.status_code == 409
    assert conflict.json()["result"] == "conflict"
    assert conflict.json()["server"]["status"] == "Skipped on purpose"
    assert DoseLog.objects.get(regimen=regimen).status == "skipped"
    assert not OfflineSubmission.objects.exists()  # may be sent again with a choice

    kept = _send(client, DOSE, {**entry, "choice": "portal"})
    assert kept.json()["result"] == "kept_server"
    assert DoseLog.objects.get(regimen=regimen).status == "skipped"


def test_the_patient_may_choose_the_phones_dose(client_for, on_ldn):
    patient, regimen, today = on_ldn
    client = client_for(patient.user)
    entry = _entry(patient.user, today, status="taken")
    entry["saved_at"] = (timezone.now() - timedelta(hours=1)).isoformat()
    dose_log_mark(regimen=regimen, on=today, status="skipped", recorded_by=patient.user)

    assert _send(client, DOSE, {**entry, "choice": "phone"}).json()["result"] == "saved"
    assert DoseLog.objects.get(regimen=regimen).status == "taken"


def test_an_older_answer_on_the_portal_is_replaced_without_asking(client_for, on_ldn):
    patient, regimen, today = on_ldn
    dose_log_mark(regimen=regimen, on=today, status="skipped", recorded_by=patient.user)
    entry = _entry(patient.user, today, status="taken")  # kept after the portal's answer

    assert _send(client_for(patient.user), DOSE, entry).json()["result"] == "saved"
    assert DoseLog.objects.get(regimen=regimen).status == "taken"


def test_an_entry_kept_for_another_account_is_not_saved(client_for, on_ldn, other_patient_user):
    patient, regimen, today = on_ldn
    entry = _entry(patient.user, today, status="taken")

    response = _send(client_for(other_patient_user), DOSE, entry)

    assert response.status_code == 409
    assert response.json()["result"] == "not_yours"
    assert not DoseLog.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"status": "twice"},
        {"key": "not-a-key"},
        {"day": "yesterday"},
        {"saved_at": "2026-11-01T10:00:00"},  # no time zone
        {"choice": "both"},
    ],
)
def test_a_malformed_entry_is_refused_and_changes_nothing(client_for, on_ldn, change):
    patient, regimen, today = on_ldn
    entry = {**_entry(patient.user, today, status="taken"), **change}

    response = _send(client_for(patient.user), DOSE, entry)

    assert response.status_code == 400
    assert response.json()["result"] == "invalid"
    assert not DoseLog.objects.exists()
    assert not OfflineSubmission.objects.exists()


def test_a_dose_for_a_day_too_long_ago_is_refused_with_the_reason(client_for, on_ldn):
    patient, regimen, today = on_ldn
    entry = _entry(patient.user, today - timedelta(days=30), status="taken")

    response = _send(client_for(patient.user), DOSE, entry)

    assert response.status_code == 400
    assert response.json()["errors"]["day"]
    assert not DoseLog.objects.exists()


# --- A diary day, sent later ------------------------------------------------------------------


def test_a_diary_day_kept_offline_is_saved_once(client_for, on_ldn):
    patient, regimen, today = on_ldn
    client = client_for(patient.user)
    fields = {"pain": "4", "fatigue": "6", "notes": "Slept badly", "dose": "taken"}
    entry = _entry(patient.user, today, fields=fields)

    first, again = _send(client, DIARY, entry), _send(client, DIARY, entry)

    assert (first.json()["result"], again.json()["result"]) == ("saved", "duplicate")
    saved = DiaryEntry.objects.get(patient=patient)
    assert (saved.local_date, saved.pain, saved.fatigue, saved.notes) == (
        today,
        4,
        6,
        "Slept badly",
    )
    assert DoseLog.objects.get(regimen=regimen, on=today).status == "taken"


def test_the_offline_pages_scores_change_only_the_scores_of_a_day_already_kept(client_for, on_ldn):
    """A day with notes and a severe side effect keeps them when today's scores come from
    the offline page, which holds only the four scores."""
    patient, regimen, today = on_ldn
    diary_entry_save(
        patient=patient,
        day=today,
        entered_by=patient.user,
        today=today,
        values={"pain": 2, "headache": 3, "notes": "Bad headache"},
    )
    client = client_for(patient.user)
    fields = {"only": "pain fatigue sleep_quality mood", "pain": "6", "mood": "4"}

    sent = _send(client, DIARY, _entry(patient.user, today, fields=fields))

    assert sent.json()["result"] == "saved"
    saved = DiaryEntry.objects.get(patient=patient)
    assert (saved.pain, saved.mood, saved.headache, saved.notes) == (6, 4, 3, "Bad headache")


def test_a_newer_diary_day_on_the_portal_is_shown_to_choose(client_for, on_ldn):
    patient, regimen, today = on_ldn
    client = client_for(patient.user)
    entry = _entry(patient.user, today, fields={"pain": "8"})
    entry["saved_at"] = (timezone.now() - timedelta(hours=2)).isoformat()
    diary_entry_save(
        patient=patient, day=today, entered_by=patient.user, today=today, values={"pain": 2}
    )

    conflict = _send(client, DIARY, entry)

    assert conflict.status_code == 409
    assert ["Pain", "2"] in conflict.json()["server"]["answers"]
    assert DiaryEntry.objects.get(patient=patient).pain == 2
    assert _send(client, DIARY, {**entry, "choice": "phone"}).json()["result"] == "saved"
    assert DiaryEntry.objects.get(patient=patient).pain == 8


def test_a_diary_day_with_a_bad_answer_says_which_and_saves_nothing(client_for, on_ldn):
    patient, regimen, today = on_ldn
    entry = _entry(patient.user, today, fields={"pain": "11"})

    response = _send(client_for(patient.user), DIARY, entry)

    assert response.status_code == 400
    assert response.json()["errors"]["pain"] == ["Pain is scored 0 to 10."]
    assert not DiaryEntry.objects.exists()
    assert not OfflineSubmission.objects.exists()


def test_a_morning_tap_kept_offline_is_saved_once(client_for, on_ldn):
    patient, regimen, today = on_ldn
    client = client_for(patient.user)
    entry = _entry(patient.user, today, fields={"sleep": "poor", "next": "/patient/"})

    first, again = _send(client, MORNING, entry), _send(client, MORNING, entry)

    assert (first.json()["result"], again.json()["result"]) == ("saved", "duplicate")
    saved = DiaryEntry.objects.get(patient=patient)
    assert (saved.local_date, saved.sleep_quality) == (today, 2)
    assert saved.morning_checkin_at is not None
    assert OfflineSubmission.objects.get(key=entry["key"]).kind == "diary"


def test_a_morning_tap_is_saved_on_the_day_it_was_tapped(client_for, on_ldn):
    patient, regimen, today = on_ldn
    yesterday = today - timedelta(days=1)
    entry = _entry(patient.user, yesterday, fields={"dreams": "vivid"})

    assert _send(client_for(patient.user), MORNING, entry).json()["result"] == "saved"

    saved = DiaryEntry.objects.get(patient=patient)
    assert (saved.local_date, saved.vivid_dreams) == (yesterday, 1)


def test_a_newer_morning_answer_on_the_portal_is_shown_to_choose(client_for, on_ldn):
    patient, regimen, today = on_ldn
    client = client_for(patient.user)
    entry = _entry(patient.user, today, fields={"sleep": "great"})
    entry["saved_at"] = (timezone.now() - timedelta(hours=2)).isoformat()
    diary_entry_save(
        patient=patient,
        day=today,
        entered_by=patient.user,
        today=today,
        values={"sleep_quality": 2},
    )

    conflict = _send(client, MORNING, entry)

    assert conflict.status_code == 409
    assert conflict.json()["server"]["answers"] == [["How did you sleep?", "Poorly"]]
    assert DiaryEntry.objects.get(patient=patient).sleep_quality == 2
    assert _send(client, MORNING, {**entry, "choice": "phone"}).json()["result"] == "saved"
    assert DiaryEntry.objects.get(patient=patient).sleep_quality == 9


def test_a_newer_answer_to_the_other_question_is_no_conflict(client_for, on_ldn):
    patient, regimen, today = on_ldn
    entry = _entry(patient.user, today, fields={"dreams": "none"})
    entry["saved_at"] = (timezone.now() - timedelta(hours=2)).isoformat()
    diary_entry_save(
        patient=patient,
        day=today,
        entered_by=patient.user,
        today=today,
        values={"sleep_quality": 7},
    )

    assert _send(client_for(patient.user), MORNING, entry).json()["result"] == "saved"

    saved = DiaryEntry.objects.get(patient=patient)
    assert (saved.sleep_quality, saved.vivid_dreams) == (7, 0)


def test_a_morning_tap_with_no_answer_is_refused_and_saves_nothing(client_for, on_ldn):
    patient, regimen, today = on_ldn
    entry = _entry(patient.user, today, fields={"sleep": "wonderful"})

    response = _send(client_for(patient.user), MORNING, entry)

    assert response.status_code == 400
    assert "sleep" in response.json()["errors"]
    assert not DiaryEntry.objects.exists() and not OfflineSubmission.objects.exists()


# --- The forms posted by the page, with the entry's key (a weak connection) -----------------

FETCH = {"HTTP_X_LDN_SUBMIT": "fetch"}


def test_a_dose_form_post_whose_answer_was_lost_is_not_saved_again(client_for, on_ldn):
    patient, regimen, today = on_ldn
    client = client_for(patient.user)
    key = str(uuid.uuid4())

    posted = client.post(reverse("dose_log"), {"status": "taken", "offline_key": key}, **FETCH)
    # The phone never heard the answer, so it sends the entry it kept, with the same key.
    later = _send(client, DOSE, {**_entry(patient.user, today, status="taken"), "key": key})

    assert posted.status_code == 200
    assert posted.json() == {"location": reverse("tonight")}
    assert later.json()["result"] == "duplicate"
    assert DoseLog.objects.get(regimen=regimen, on=today).status == "taken"
    assert OfflineSubmission.objects.filter(key=key).count() == 1
    page = client.get(reverse("tonight"))
    assert "dose is marked as taken." in page.text  # the form's message, kept for the page


def test_a_refused_dose_form_post_does_not_use_up_its_key(client_for, on_ldn):
    patient, regimen, today = on_ldn
    key = str(uuid.uuid4())

    posted = client_for(patient.user).post(
        reverse("dose_log"), {"status": "sometimes", "offline_key": key}, **FETCH
    )

    assert posted.json() == {"location": reverse("tonight")}
    assert not OfflineSubmission.objects.exists() and not DoseLog.objects.exists()


def test_a_kept_dose_sent_first_makes_the_late_form_post_save_nothing(client_for, on_ldn):
    patient, regimen, today = on_ldn
    client = client_for(patient.user)
    entry = _entry(patient.user, today, status="skipped")
    assert _send(client, DOSE, entry).json()["result"] == "saved"

    posted = client.post(reverse("dose_log"), {"status": "taken", "offline_key": entry["key"]})

    assert posted.status_code == 302 and posted["Location"] == reverse("tonight")
    assert DoseLog.objects.get(regimen=regimen, on=today).status == "skipped"


def test_a_diary_form_post_with_a_key_is_saved_once(client_for, on_ldn):
    patient, regimen, today = on_ldn
    client = client_for(patient.user)
    key = str(uuid.uuid4())
    data = {"day": today.isoformat(), "pain": "5", "offline_key": key}

    posted = client.post(reverse("diary_new"), data, **FETCH)
    later = _send(client, DIARY, {**_entry(patient.user, today, fields={"pain": "5"}), "key": key})

    assert posted.json() == {"location": reverse("diary")}
    assert later.json()["result"] == "duplicate"
    assert DiaryEntry.objects.get(patient=patient).pain == 5
    assert OfflineSubmission.objects.get(key=key).kind == "diary"


def test_a_refused_form_post_leaves_its_key_free_for_the_corrected_entry(client_for, on_ldn):
    patient, regimen, today = on_ldn
    client = client_for(patient.user)
    key = str(uuid.uuid4())

    refused = client.post(
        reverse("diary_new"), {"day": today.isoformat(), "pain": "11", "offline_key": key}, **FETCH
    )

    assert refused.status_code == 200
    assert "Pain is scored 0 to 10." in refused.text
    assert not OfflineSubmission.objects.exists() and not DiaryEntry.objects.exists()
    saved = client.post(
        reverse("diary_new"), {"day": today.isoformat(), "pain": "3", "offline_key": key}
    )
    assert saved.status_code == 302
    assert OfflineSubmission.objects.filter(key=key).count() == 1


def test_a_form_post_without_a_key_works_as_before(client_for, on_ldn):
    patient, regimen, today = on_ldn
    response = client_for(patient.user).post(reverse("dose_log"), {"status": "missed"})

    assert response.status_code == 302
    assert DoseLog.objects.get(regimen=regimen, on=today).status == "missed"
    assert not OfflineSubmission.objects.exists()


def test_a_morning_tap_posted_with_a_key_is_saved_once(client_for, on_ldn):
    patient, regimen, today = on_ldn
    client = client_for(patient.user)
    key = str(uuid.uuid4())
    data = {"sleep": "good", "next": "/patient/", "offline_key": key}

    posted = client.post(reverse("diary_morning"), data, **FETCH)
    later = _send(client, MORNING, {**_entry(patient.user, today, fields=data), "key": key})

    assert posted.json() == {"location": "/patient/"}
    assert later.json()["result"] == "duplicate"
    assert DiaryEntry.objects.get(patient=patient).sleep_quality == 7
    assert OfflineSubmission.objects.filter(key=key).count() == 1
