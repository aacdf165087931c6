"""A SMART app written by others (the fhirclient package) connects to the running portal:
discovery, the authorization-code flow with PKCE and the patient's consent, the token with
the patient in context, then reads. What it parses equals what the portal shows."""

import base64
import csv
import io
import json
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.test import Client
from fhirclient import client as smart_client
from fhirclient.models.medicationstatement import MedicationStatement
from fhirclient.models.observation import Observation
from jwcrypto import jwk, jwt

from interop.oidc import SmartValidator
from patients.services.diary import diary_entry_save
from patients.services.medications import medication_add
from portal.audit.models import AccessEvent
from portal.lib.timing import local_today
from tests.factories import PatientUserFactory
from tests.interop.helpers import REDIRECT_URI, app_register

pytestmark = pytest.mark.django_db(transaction=True)


def _session_for(user, base_url) -> requests.Session:
    """A browser-like session logged in as `user` on the live server."""
    django_client = Client()
    django_client.force_login(user)
    session = requests.Session()
    cookie = django_client.cookies[settings.SESSION_COOKIE_NAME].value
    session.cookies.set(settings.SESSION_COOKIE_NAME, cookie, domain="localhost.local")
    session.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
    return session


def _consent(session, authorize_url, *, allow=True):
    """Open the consent page and answer it like a person would; the redirect to the app."""
    page = session.get(authorize_url)
    assert page.status_code == 200, page.text[:500]
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
    fields = {name: unescape(value) for name, value in hidden}
    if allow:
        fields["allow"] = "Authorize"
    answer = session.post(
        authorize_url, data=fields, allow_redirects=False, headers={"Referer": authorize_url}
    )
    assert answer.status_code == 302, answer.text[:500]
    return page.text, answer.headers["Location"]


def test_fhirclient_connects_with_consent_and_reads_what_the_portal_shows(live_server, settings):
    settings.SITE_URL = live_server.url
    user = PatientUserFactory(email="smart@example.org", name="Sam Smart")
    patient = user.patient
    today = local_today(patient)
    for ago in range(0, 4):
        diary_entry_save(
            patient=patient,
            day=today - timedelta(days=ago),
            entered_by=user,
            today=today,
            values={"pain": ago + 1, "fatigue": 2, "headache": ago % 3},
        )
    medication_add(patient=patient, name="Codeine 30 mg", added_by=user)
    app = app_register("Pain Journal")
    PatientUserFactory(email="someone.else@example.org")

    smart = smart_client.FHIRClient(
        settings={
            "app_id": app.client_id,
            "api_base": live_server.url + "/fhir",
            "redirect_uri": REDIRECT_URI,
            "scope": "launch/patient patient/*.read openid fhirUser",
        }
    )
    assert not smart.ready
    authorize_url = smart.authorize_url  # read from the CapabilityStatement
    assert authorize_url.startswith(live_server.url + "/oauth/authorize/")

    session = _session_for(user, live_server.url)
    consent_page, callback = _consent(session, authorize_url)
    assert "Pain Journal" in consent_page
    assert "Read your health record" in consent_page
    assert callback.startswith(REDIRECT_URI)

    smart.handle_callback(callback)  # exchanges the code (with the PKCE verifier)
    assert smart.ready
    assert smart.patient_id == str(patient.pk)

    # The patient as the app sees it and as the profile shows it.
    fhir_patient = smart.patient
    assert fhir_patient.name[0].text == "Sam Smart"
    assert fhir_patient.birthDate.isostring == "1980-05-17"
    assert 'value="1980-05-17"' in session.get(live_server.url + "/profile/").text
    assert 'value="Sam Smart"' in session.get(live_server.url + "/account/").text

    # Pain scores as the app parses them and as the portal's own diary download has them.
    pains = Observation.where(struct={"patient": smart.patient_id, "code": "72514-3"})
    parsed = {
        o.effectiveDateTime.isostring[:10]: o.valueInteger
        for o in pains.perform_resources_iter(smart.server)
    }
    export = session.get(live_server.url + "/diary/export.csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text)))
    day_col = next(k for k in rows[0] if k.lower() in ("date", "day"))
    pain_col = next(k for k in rows[0] if k.lower().startswith("pain"))
    shown = {r[day_col]: int(r[pain_col]) for r in rows if r[pain_col]}
    assert parsed == shown
    assert len(parsed) == 4

    statements = MedicationStatement.where(struct={"patient": smart.patient_id})
    found = statements.perform_resources_iter(smart.server)
    names = [s.medicationCodeableConcept.text for s in found]
    assert names == ["Codeine 30 mg"]

    events = AccessEvent.objects.filter(patient=patient, action="api_read")
    assert events.count() == 3
    assert set(events.values_list("via", flat=True)) == {"Pain Journal"}

    # Revoked from My account: the app's next read is refused with 401.
    token = smart.server.auth.access_token
    account = session.get(live_server.url + "/account/").text
    assert "Revoke Pain Journal" in account
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', account).group(1)
    revoke = session.post(
        f"{live_server.url}/account/apps/{app.pk}/revoke/",
        data={"csrfmiddlewaretoken": csrf},
        headers={"Referer": live_server.url + "/account/"},
    )
    assert revoke.status_code == 200
    refused = requests.get(
        f"{live_server.url}/fhir/Patient/{patient.pk}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert refused.status_code == 401
    assert refused.json()["resourceType"] == "OperationOutcome"


def test_refusing_consent_gives_the_app_no_code(live_server, settings):
    settings.SITE_URL = live_server.url
    user = PatientUserFactory(email="careful@example.org")
    app = app_register("Curious App")
    smart = smart_client.FHIRClient(
        settings={
            "app_id": app.client_id,
            "api_base": live_server.url + "/fhir",
            "redirect_uri": REDIRECT_URI,
            "scope": "launch/patient patient/*.read",
        }
    )
    session = _session_for(user, live_server.url)
    _, callback = _consent(session, smart.authorize_url, allow=False)
    assert "error=access_denied" in callback
    assert "code=" not in callback
    with pytest.raises(Exception, match="denied the request"):
        smart.handle_callback(callback)


def _authorized_code(live_server, user, app, scope):
    """fhirclient's authorization request (PKCE), the patient's consent, and the code."""
    smart = smart_client.FHIRClient(
        settings={
            "app_id": app.client_id,
            "api_base": live_server.url + "/fhir",
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
        }
    )
    session = _session_for(user, live_server.url)
    _, callback = _consent(session, smart.authorize_url + "&nonce=n-0S6_WzA2Mj")
    code = parse_qs(urlsplit(callback).query)["code"][0]
    return code, smart.server.auth.code_verifier


def _token(live_server, app, code, verifier):
    answer = requests.post(
        live_server.url + "/oauth/token/",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
        timeout=30,
    )
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()


def test_openid_gives_an_id_token_signed_with_the_published_key(live_server, settings):
    settings.SITE_URL = live_server.url
    user = PatientUserFactory(email="oidc@example.org", name="Olga Idc")
    app = app_register("Identity App")
    code, verifier = _authorized_code(
        live_server, user, app, "launch/patient patient/*.read openid fhirUser"
    )
    body = _token(live_server, app, code, verifier)
    assert body["patient"] == str(user.patient.pk)

    discovery = requests.get(live_server.url + "/fhir/.well-known/smart-configuration", timeout=30)
    smart_config = discovery.json()
    assert "sso-openid-connect" in smart_config["capabilities"]
    keys = jwk.JWKSet.from_json(requests.get(smart_config["jwks_uri"], timeout=30).text)
    assert all("d" not in key for key in keys.export(private_keys=False, as_dict=True)["keys"])

    id_token = jwt.JWT(jwt=body["id_token"], key=keys, algs=["RS256"])  # verifies the signature
    claims = json.loads(id_token.claims)
    assert claims["fhirUser"] == f"{live_server.url}/fhir/Patient/{user.patient.pk}"
    assert claims["iss"] == smart_config["issuer"]
    assert claims["aud"] == app.client_id
    assert claims["sub"] == str(user.pk)
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["name"] == "Olga Idc"
    assert claims["exp"] > claims["iat"]

    oidc = requests.get(live_server.url + "/oauth/.well-known/openid-configuration", timeout=30)
    assert oidc.json()["issuer"] == smart_config["issuer"]
    assert oidc.json()["jwks_uri"] == smart_config["jwks_uri"]

    # A token changed on the way (another patient's id) verifies with none of the keys.
    header, payload, signature = body["id_token"].split(".")
    forged = {**claims, "fhirUser": f"{live_server.url}/fhir/Patient/{user.patient.pk + 1}"}
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.JWTMissingKey):
        jwt.JWT(jwt=f"{header}.{forged_payload}.{signature}", key=keys, algs=["RS256"])


def test_without_openid_there_is_no_id_token(live_server, settings):
    settings.SITE_URL = live_server.url
    user = PatientUserFactory(email="plain@example.org")
    app = app_register("Plain App")
    code, verifier = _authorized_code(live_server, user, app, "launch/patient patient/*.read")
    body = _token(live_server, app, code, verifier)
    assert "id_token" not in body
    assert body["access_token"]


def test_the_id_token_names_the_published_issuer_whatever_host_it_came_by(settings, rf):
    settings.SITE_URL = "https://ldn.example.org"
    request = rf.post("/oauth/token/", HTTP_HOST="portal-2.internal.example.org")

    assert SmartValidator().get_oidc_issuer_endpoint(request) == "https://ldn.example.org/oauth"
