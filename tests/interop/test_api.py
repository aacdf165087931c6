"""The FHIR API: what a token may read, the answers to bad requests (always an
OperationOutcome, never a 500), and the access event naming the app."""

from datetime import timedelta

import pytest

from interop.fhir.references import validated
from messaging.services.conversations import message_send
from patients.services.diary import diary_entry_save
from patients.services.medications import medication_add
from patients.services.profile import care_team_add
from portal.audit.models import AccessEvent
from portal.lib.timing import local_today
from tests.interop.helpers import app_register, bearer, token_for
from tests.messaging.helpers import start

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(patient_user, other_patient_user, provider, other_provider):
    patient = patient_user.patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    today = local_today(patient)
    for ago, pain in ((3, 7), (2, 5), (1, 4)):
        diary_entry_save(
            patient=patient,
            day=today - timedelta(days=ago),
            entered_by=patient_user,
            today=today,
            values={"pain": pain, "fatigue": 3, "headache": 1},
        )
    medication_add(patient=patient, name="Tramadol 50 mg", added_by=patient_user)
    return {"patient": patient, "today": today}


def _json(response):
    assert response["Content-Type"].startswith("application/fhir+json")
    return response.json()


def _outcome(response, status):
    assert response.status_code == status, response.content
    data = _json(response)
    assert data["resourceType"] == "OperationOutcome"
    validated(data)
    return data["issue"][0]


def test_a_patient_app_reads_the_patient_and_searches_observations(client, world, patient_user):
    raw = token_for(patient_user)
    pid = world["patient"].pk

    patient = _json(client.get(f"/fhir/Patient/{pid}", **bearer(raw)))
    assert patient["name"][0]["text"] == "Pat Patient"
    assert patient["birthDate"] == "1980-05-17"

    bundle = _json(client.get(f"/fhir/Observation?patient={pid}&code=72514-3", **bearer(raw)))
    validated(bundle)
    pains = sorted(
        (e["resource"]["effectiveDateTime"], e["resource"]["valueInteger"]) for e in bundle["entry"]
    )
    today = world["today"]
    assert pains == [
        ((today - timedelta(days=d)).isoformat(), p) for d, p in ((3, 7), (2, 5), (1, 4))
    ]

    since = (today - timedelta(days=2)).isoformat()
    recent = _json(
        client.get(f"/fhir/Observation?code=http://loinc.org|72514-3&date=ge{since}", **bearer(raw))
    )
    assert recent["total"] == 2

    statements = _json(client.get("/fhir/MedicationStatement", **bearer(raw)))
    assert statements["entry"][0]["resource"]["extension"][0]["valueCode"] == "block"

    events = AccessEvent.objects.filter(patient=world["patient"], action="api_read")
    assert events.count() == 4
    assert set(events.values_list("via", flat=True)) == {"Health Diary App"}


def test_everything_is_a_valid_bundle_of_every_kind(client, world, patient_user):
    raw = token_for(patient_user)
    data = _json(client.get(f"/fhir/Patient/{world['patient'].pk}/$everything", **bearer(raw)))
    validated(data)
    kinds = {e["resource"]["resourceType"] for e in data["entry"]}
    assert {"Patient", "Observation", "QuestionnaireResponse", "Provenance"} <= kinds
    assert "MedicationStatement" in kinds


def test_messages_are_communications_in_everything_and_in_a_search(
    client, world, patient_user, provider
):
    conversation = start(world["patient"], body="Vivid dreams since the step up")
    message_send(conversation=conversation, sender=provider, body="Try it in the morning.")
    raw = token_for(patient_user)
    pid = world["patient"].pk
    data = _json(client.get(f"/fhir/Patient/{pid}/$everything", **bearer(raw)))
    everything = [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Communication"
    ]
    bundle = _json(client.get(f"/fhir/Communication?patient={pid}", **bearer(raw)))
    validated(bundle)
    found = [e["resource"] for e in bundle["entry"]]
    assert found == everything
    assert [c["payload"][0]["contentString"] for c in found] == [
        "Vivid dreams since the step up",
        "Try it in the morning.",
    ]
    assert found[1]["sender"]["type"] == "Practitioner"
    assert found[1]["inResponseTo"] == [{"reference": f"Communication/{found[0]['id']}"}]
    sent = found[0]["sent"][:10]
    on_day = _json(client.get(f"/fhir/Communication?patient={pid}&date={sent}", **bearer(raw)))
    assert on_day["total"] == 2
    before = _json(client.get(f"/fhir/Communication?patient={pid}&date=lt{sent}", **bearer(raw)))
    assert before["total"] == 0
    _outcome(client.get(f"/fhir/Communication?patient={pid}&code=x", **bearer(raw)), 400)
    only_observations = token_for(patient_user, scope="launch/patient patient/Observation.rs")
    _outcome(client.get(f"/fhir/Communication?patient={pid}", **bearer(only_observations)), 403)


def test_a_patient_token_reads_no_one_else(client, world, patient_user, other_patient_user):
    raw = token_for(patient_user)
    other = other_patient_user.patient.pk
    _outcome(client.get(f"/fhir/Patient/{other}", **bearer(raw)), 404)
    _outcome(client.get(f"/fhir/Observation?patient={other}", **bearer(raw)), 404)
    assert not AccessEvent.objects.filter(patient_id=other).exists()


def test_a_provider_token_reads_the_care_team_only(
    client, world, provider, other_provider, other_patient_user
):
    raw = token_for(provider, scope="patient/*.read")
    pid = world["patient"].pk
    assert client.get(f"/fhir/Patient/{pid}", **bearer(raw)).status_code == 200
    _outcome(client.get(f"/fhir/Patient/{other_patient_user.patient.pk}", **bearer(raw)), 404)
    _outcome(client.get("/fhir/Observation", **bearer(raw)), 400)  # which patient?
    off_team = token_for(other_provider, scope="patient/*.read")
    _outcome(client.get(f"/fhir/Patient/{pid}", **bearer(off_team)), 404)
    event = AccessEvent.objects.get(actor=provider, action="api_read")
    assert event.via == "Health Diary App"


def test_refusals_are_operation_outcomes(client, world, patient_user, admin_user):
    raw = token_for(patient_user)
    pid = world["patient"].pk
    _outcome(client.get(f"/fhir/Patient/{pid}"), 401)
    _outcome(client.get(f"/fhir/Patient/{pid}", **bearer("not-a-token")), 401)
    expired = token_for(patient_user, expires_in=-10)
    _outcome(client.get(f"/fhir/Patient/{pid}", **bearer(expired)), 401)
    narrow = token_for(patient_user, scope="patient/Observation.rs")
    _outcome(client.get(f"/fhir/Patient/{pid}", **bearer(narrow)), 403)
    assert client.get("/fhir/Observation", **bearer(narrow)).status_code == 200
    _outcome(client.get("/fhir/Condition", **bearer(narrow)), 403)

    _outcome(client.get("/fhir/Spaceship", **bearer(raw)), 404)
    _outcome(client.get("/fhir/Observation?colour=blue", **bearer(raw)), 400)
    _outcome(client.get("/fhir/Observation?date=yesterday", **bearer(raw)), 400)
    _outcome(client.get("/fhir/Observation?date=2026-13-45", **bearer(raw)), 400)
    _outcome(client.get("/fhir/Observation?patient=abc", **bearer(raw)), 400)
    _outcome(client.get("/fhir/Patient/abc", **bearer(raw)), 404)
    _outcome(client.get("/fhir/Patient/99999999999999999999999", **bearer(raw)), 404)
    _outcome(client.get(f"/fhir/Patient/{pid}/$everything?_since=x", **bearer(raw)), 400)
    _outcome(client.get("/fhir/Observation/diary-1-pain", **bearer(raw)), 404)
    _outcome(client.get("/fhir/nothing/here/at/all", **bearer(raw)), 404)
    _outcome(client.post(f"/fhir/Patient/{pid}", **bearer(raw)), 405)
    admin_token = token_for(admin_user)
    _outcome(client.get(f"/fhir/Patient/{pid}", **bearer(admin_token)), 404)


def test_a_deactivated_users_token_stops_working(client, world, patient_user):
    raw = token_for(patient_user)
    patient_user.is_active = False
    patient_user.save()
    _outcome(client.get(f"/fhir/Patient/{world['patient'].pk}", **bearer(raw)), 401)


def test_userinfo_answers_an_active_patient_and_refuses_a_deactivated_one(
    client, world, patient_user
):
    raw = token_for(patient_user, scope="openid fhirUser launch/patient patient/*.read")
    claims = client.get("/oauth/userinfo/", **bearer(raw)).json()
    assert claims["fhirUser"].endswith(f"/fhir/Patient/{world['patient'].pk}")

    patient_user.is_active = False
    patient_user.save()
    refused = client.get("/oauth/userinfo/", **bearer(raw))
    assert refused.status_code == 401
    assert b"fhir/Patient" not in refused.content


def test_metadata_and_smart_configuration_name_the_oauth_endpoints(client, db):
    metadata = _json(client.get("/fhir/metadata"))
    validated(metadata)
    security = metadata["rest"][0]["security"]["extension"][0]["extension"]
    assert {e["url"] for e in security} >= {"authorize", "token"}
    smart = client.get("/fhir/.well-known/smart-configuration").json()
    assert smart["code_challenge_methods_supported"] == ["S256"]
    assert "launch/patient" in smart["scopes_supported"]
    codes = _json(client.get("/fhir/CodeSystem/ldn-portal"))
    validated(codes)
    assert {"insomnia", "pain", "pgic"} <= {c["code"] for c in codes["concept"]}


def test_the_account_page_lists_connected_apps_and_revokes_one(client, world, patient_user):
    app = app_register("Sleep Tracker")
    raw = token_for(patient_user, app=app)
    client.force_login(patient_user)
    page = client.get("/account/").content.decode()
    assert "Revoke Sleep Tracker" in page
    response = client.post(f"/account/apps/{app.pk}/revoke/", follow=True)
    page = response.content.decode()
    assert "Sleep Tracker can no longer read your record." in page
    assert "Revoke Sleep Tracker" not in page
    _outcome(client.get(f"/fhir/Patient/{world['patient'].pk}", **bearer(raw)), 401)
    # Revoking an app that holds nothing changes nothing and says so.
    response = client.post(f"/account/apps/{app.pk}/revoke/", follow=True)
    assert "That app is not connected to your account." in response.content.decode()


def test_everything_pages_with_count_and_next_links(client, world, patient_user):
    raw = token_for(patient_user)
    pid = world["patient"].pk
    whole = _json(client.get(f"/fhir/Patient/{pid}/$everything", **bearer(raw)))
    assert [link["relation"] for link in whole["link"]] == ["self"]
    expected = [(e["resource"]["resourceType"], e["resource"]["id"]) for e in whole["entry"]]
    assert len(expected) > 5

    seen, url, pages = [], f"/fhir/Patient/{pid}/$everything?_count=4", 0
    while url:
        page = _json(client.get(url, **bearer(raw)))
        validated(page)
        pages += 1
        assert page["total"] == len(expected)
        assert len(page.get("entry", [])) <= 4
        seen += [(e["resource"]["resourceType"], e["resource"]["id"]) for e in page["entry"]]
        links = {link["relation"]: link["url"] for link in page["link"]}
        assert links["first"].endswith(f"/fhir/Patient/{pid}/$everything?_count=4&_offset=0")
        url = links.get("next", "").replace("http://testserver", "")
        assert pages < 50
    assert seen == expected
    assert pages == -(-len(expected) // 4)

    only_total = _json(client.get(f"/fhir/Patient/{pid}/$everything?_count=0", **bearer(raw)))
    assert only_total["total"] == len(expected)
    assert "entry" not in only_total
    past_the_end = _json(
        client.get(f"/fhir/Patient/{pid}/$everything?_count=4&_offset=100000", **bearer(raw))
    )
    assert "entry" not in past_the_end
    assert "next" not in {link["relation"] for link in past_the_end["link"]}


@pytest.mark.parametrize(
    "query",
    [
        "_count=ten",
        "_count=-1",
        "_count=1.5",
        "_count=",
        "_count=%EF%BC%93",  # a full-width digit
        "_count=99999999999999999999",
        "_count=5&_offset=x",
        "_offset=5",
        "_since=2026-01-01",
        "_type=Observation",
    ],
)
def test_everything_refuses_malformed_paging_with_an_outcome(client, world, patient_user, query):
    raw = token_for(patient_user)
    pid = world["patient"].pk
    issue = _outcome(client.get(f"/fhir/Patient/{pid}/$everything?{query}", **bearer(raw)), 400)
    assert issue["code"] == "invalid"
    assert not AccessEvent.objects.filter(patient=world["patient"]).exists()
