"""The read-only FHIR R4 API for connected apps (SMART on FHIR). Every answer is FHIR JSON;
every refusal an OperationOutcome: 401 without a valid token, 403 when its scopes do not
cover the request, 404 for an unknown type or a record the token may not read, 400 for a
search the API does not understand. Every read writes an access event naming the app."""

import gc
import json
from contextlib import contextmanager
from functools import wraps
from urllib.parse import urlencode

import orjson
from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from interop.fhir.bundle import KINDS, resources_of, searchset
from interop.fhir.codes import CODE_SYSTEM_PATH, SCORES, SEVERITY, Context
from interop.fhir.diary import PGIC_WORDS
from interop.search import PARAMETERS, SearchError, matches, parse_search
from interop.selectors import record_read
from interop.smart import caller_for, may
from patients.models import Patient
from patients.rules.side_effects import ITEMS
from patients.selectors.records import Purpose, patient_for
from portal.accounts.models import Role

FHIR_JSON = "application/fhir+json"
SEARCHABLE = tuple(PARAMETERS)


def context() -> Context:
    return Context(site=settings.SITE_URL)


def base_url() -> str:
    return settings.SITE_URL + "/fhir"


# $everything pages: `_count` resources a page (at most this many; more is served at the
# most), `_offset` where the page starts (the `next` link carries it).
PAGE_MAX = 1000


def fhir_response(data: dict, status: int = 200, **headers) -> HttpResponse:
    # orjson: the whole record of years of diary is one dict of tens of thousands of
    # resources; the standard library's encoder takes ten times as long over it.
    body = orjson.dumps(data)
    response = HttpResponse(body, status=status, content_type=FHIR_JSON)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def outcome(status: int, code: str, text: str, **headers) -> HttpResponse:
    severity = "error" if status < 500 else "fatal"
    data = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": text}],
    }
    return fhir_response(data, status, **headers)


def unauthorized() -> HttpResponse:
    return outcome(
        401,
        "login",
        "A valid access token is needed (it may have expired or been revoked).",
        WWW_Authenticate='Bearer realm="fhir", error="invalid_token"',
    )


def api(operation: str, resource_type=None):
    """Authenticate the token, check its scopes for `resource_type` (a name, or taken from
    the URL's `kind`) and hand the view its caller; answer any refusal as FHIR."""

    def decorate(view):
        @csrf_exempt
        @never_cache
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return outcome(405, "not-supported", "This API is read-only.")
            kind = resource_type or kwargs.get("kind")
            if kind not in KINDS:
                return outcome(404, "not-supported", f"Unknown resource type '{kind}'.")
            caller = caller_for(request)
            if caller is None:
                return unauthorized()
            if not may(caller.scopes, kind, operation):
                return outcome(403, "forbidden", f"The token's scopes do not allow {kind}.")
            try:
                return view(request, caller, *args, **kwargs)
            except SearchError as error:
                return outcome(400, "invalid", str(error))
            except Http404:
                return outcome(404, "not-found", "No such patient record for this token.")

        return wrapper

    return decorate


def _patient(request, caller, pk) -> Patient:
    return patient_for(
        caller.user,
        pk,
        purpose=Purpose.API_READ,
        path=request.path,
        via=caller.app_name or "unnamed app",
    )


@api("r", "Patient")
def patient_read(request, caller, pk):
    patient = _patient(request, caller, pk)
    return fhir_response(resources_of(record_read(patient), context(), "Patient")[0])


@contextmanager
def few_gc_pauses():
    """No cyclic garbage collection while a record's resources are made: they are tens of
    thousands of small dicts that live until the answer is sent, and each collection would
    walk all of them again (two thirds of the building time for 3 years of diary). Nothing
    made here is cyclic; collection resumes as it was afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _whole_number(params, name: str, default: int | None) -> int | None:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise SearchError(f"{name} must be a whole number of 0 or more, not '{raw[:40]}'")
    return int(raw)


@api("r", "Patient")
def patient_everything(request, caller, pk):
    """The whole record in one Bundle; with `_count`, a page of that many resources and a
    `next` link to the following page (`_offset` says where a page starts)."""
    unknown = set(request.GET) - {"_format", "_count", "_offset"}
    if unknown:
        raise SearchError(f"$everything takes no {', '.join(sorted(unknown))} parameter here")
    count = _whole_number(request.GET, "_count", None)
    offset = _whole_number(request.GET, "_offset", 0)
    if count is None and "_offset" in request.GET:
        raise SearchError("_offset goes with _count")
    patient = _patient(request, caller, pk)
    allowed = [kind for kind in KINDS if may(caller.scopes, kind, "r")]
    self_url = request.build_absolute_uri()
    with few_gc_pauses():
        record = record_read(patient)
        resources = [r for kind in allowed for r in resources_of(record, context(), kind)]
        if count is None:
            return fhir_response(searchset(resources, base=base_url(), self_url=self_url))
        return _page(request, resources, count, offset, self_url)


def _page(request, resources, count, offset, self_url):
    count = min(count, PAGE_MAX)
    page = resources[offset : offset + count]
    bundle = searchset(page, base=base_url(), self_url=self_url, total=len(resources))
    here = request.build_absolute_uri(request.path)
    links = [("first", 0)]
    if count and offset + count < len(resources):
        links.append(("next", offset + count))
    if count and offset > 0:
        links.append(("previous", max(offset - count, 0)))
    for relation, start in links:
        query = urlencode({"_count": count, "_offset": start})
        bundle["link"].append({"relation": relation, "url": f"{here}?{query}"})
    return fhir_response(bundle)


@api("s")
def search(request, caller, kind):
    if kind not in SEARCHABLE and kind != "Patient":
        raise SearchError(f"{kind} cannot be searched here; read it from Patient/$everything")
    if kind == "Patient":
        unknown = set(request.GET) - {"_id", "_format"}
        if unknown:
            raise SearchError(f"Patient cannot be searched by {', '.join(sorted(unknown))}")
        wanted = request.GET.get("_id") or _own_patient_id(caller)
        if not wanted:
            raise SearchError("give _id")
        parsed = None
    else:
        parsed = parse_search(kind, request.GET)
        wanted = parsed.patient or _own_patient_id(caller)
        if not wanted:
            raise SearchError("give the patient to search (patient=<id>)")
    if not str(wanted).isdigit():
        raise SearchError(f"'{wanted}' is not a patient id")
    patient = _patient(request, caller, wanted)
    resources = resources_of(record_read(patient), context(), kind)
    if parsed is not None:
        resources = [r for r in resources if matches(parsed, r)]
    return fhir_response(
        searchset(resources, base=base_url(), self_url=request.build_absolute_uri())
    )


@api("r")
def read_other(request, caller, kind, rid):
    """Reading another type by id: the API serves those through searches."""
    return outcome(404, "not-found", f"{kind}/{rid} cannot be read by id; search by patient.")


def _own_patient_id(caller):
    if caller.user.role != Role.PATIENT:
        return None
    return Patient.objects.filter(user=caller.user).values_list("pk", flat=True).first()


@csrf_exempt
@never_cache
def unknown(request, rest=""):
    return outcome(404, "not-supported", "The FHIR API has no such endpoint.")


@never_cache
def metadata(request):
    """The CapabilityStatement, with the SMART OAuth endpoints (read by SMART clients)."""
    site = settings.SITE_URL
    oauth = {
        "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
        "extension": [
            {"url": "authorize", "valueUri": site + reverse("oauth2_provider:authorize")},
            {"url": "token", "valueUri": site + reverse("oauth2_provider:token")},
            {"url": "revoke", "valueUri": site + reverse("oauth2_provider:revoke-token")},
        ],
    }
    resources = [
        {
            "type": "Patient",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [{"name": "_id", "type": "token"}],
            "operation": [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                }
            ],
        }
    ]
    types = {"code": "token", "date": "date", "status": "token", "category": "token"}
    for kind, params in PARAMETERS.items():
        resources.append(
            {
                "type": kind,
                "interaction": [{"code": "search-type"}],
                "searchParam": [{"name": "patient", "type": "reference"}]
                + [{"name": p, "type": types[p]} for p in sorted(params)],
            }
        )
    for kind in ("QuestionnaireResponse", "Provenance", "RelatedPerson", "MedicationDispense"):
        resources.append({"type": kind, "interaction": []})
    data = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-27",
        "kind": "instance",
        "software": {"name": "LDN Portal"},
        "implementation": {"description": "LDN Portal FHIR API", "url": site + "/fhir"},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "extension": [oauth],
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/"
                                    "restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "description": "SMART App Launch: authorization code with PKCE; "
                    "OpenID Connect id_token (RS256, fhirUser) for the openid scope.",
                },
                "resource": resources,
            }
        ],
    }
    return fhir_response(data)


@never_cache
def smart_configuration(request):
    site = settings.SITE_URL
    data = {
        # OpenID Connect: the id_token's `iss`, its signing keys, and the claims it carries.
        "issuer": site + "/oauth",
        "jwks_uri": site + reverse("oauth2_provider:jwks-info"),
        "userinfo_endpoint": site + reverse("oauth2_provider:user-info"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "authorization_endpoint": site + reverse("oauth2_provider:authorize"),
        "token_endpoint": site + reverse("oauth2_provider:token"),
        "revocation_endpoint": site + reverse("oauth2_provider:revoke-token"),
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "scopes_supported": list(settings.OAUTH2_PROVIDER["SCOPES"]),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "capabilities": [
            "launch-standalone",
            "client-public",
            "client-confidential-symmetric",
            "context-standalone-patient",
            "permission-patient",
            "permission-v1",
            "permission-v2",
            "sso-openid-connect",
        ],
    }
    response = HttpResponse(json.dumps(data), content_type="application/json")
    return response


@never_cache
def code_system(request):
    """The portal's own code system (docs/clinical-rules.md §9), at its canonical address."""
    ctx = context()
    concepts = [{"code": key.replace("_", "-"), "display": text} for key, text in SCORES.items()]
    concepts += [{"code": item.code, "display": str(item.name)} for item in ITEMS]
    concepts += [{"code": f"severity-{v}", "display": w} for v, w in SEVERITY.items()]
    concepts += [
        {"code": "pgic", "display": "Patient Global Impression of Change (1-7)"},
        {"code": "fasting-glucose", "display": "Fasting glucose"},
        {"code": "stools-per-day", "display": "Stools per day"},
    ]
    concepts += [{"code": f"pgic-{n}", "display": w} for n, w in PGIC_WORDS.items()]
    data = {
        "resourceType": "CodeSystem",
        "id": CODE_SYSTEM_PATH.rsplit("/", 1)[1],
        "url": ctx.system,
        "name": "LDNPortal",
        "title": "LDN Portal diary and side-effect codes",
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "count": len(concepts),
        "concept": concepts,
    }
    return fhir_response(data)
