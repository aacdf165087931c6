"""Who may use which URL: every named URL of the portal, every method, every kind of viewer.

Outcomes: OK (the page or its redirect), LOGIN (sent to log in), 403 (the page is not for
this role), 404 (the record is not one this viewer may see), 405 (method not allowed).
Caregivers are five kinds of viewer: one for each permission the patient can grant (and so
without the other three), and one whose grant, with every permission, has ended. A page not
open to them answers 404, never 403.
A refused write must change nothing. The guard at the bottom fails when a URL is missing.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from interop.models import DataExport
from messaging.services.attachments import clean_files
from messaging.services.conversations import conversation_start
from patients.services.care import caregiver_grant_end, caregiver_invite
from patients.services.checkins import checkin_book
from patients.services.medications import medication_add
from patients.services.profile import care_team_add, care_team_end
from portal.accounts.services import invitation_accept_existing, invitation_create
from portal.audit.services import access_record
from portal.lib.timing import local_date, local_today
from portal.notifications.models import Notification
from regimens.models import Protocol
from regimens.safety import Formulation
from regimens.services.calendar_feeds import calendar_feed_create
from regimens.services.plans import plan_propose
from regimens.services.start import regimen_start
from regimens.services.supply import refill_request_send
from tests.content.factories import content
from tests.factories import AdminFactory, CaregiverFactory, PatientUserFactory, ProviderFactory
from tests.interop.helpers import REDIRECT_URI, app_register, bearer, token_for
from tests.messaging.helpers import pdf
from tests.regimens.seeds import ensure_protocols

OK, LOGIN = "ok", "login"
VIEWERS = (
    "anonymous",
    "patient",
    "other_patient",
    "provider",
    "provider_off_team",
    "provider_ended",
    "admin",
    "deactivated",
    "caregiver_plan",
    "caregiver_diary",
    "caregiver_messages",
    "caregiver_trends",
    "caregiver_ended",
)
CAREGIVERS = ("caregiver_plan", "caregiver_diary", "caregiver_messages", "caregiver_trends")


def outcomes(default, **overrides):
    table = dict.fromkeys(VIEWERS, default)
    table.update(anonymous=LOGIN, deactivated=LOGIN)
    if default == 403:
        table.update(dict.fromkeys((*CAREGIVERS, "caregiver_ended"), 404))
    table.update(overrides)
    return table


EVERYONE = dict.fromkeys(VIEWERS, OK)
LOGGED_IN = outcomes(OK)
PATIENTS = outcomes(403, patient=OK, other_patient=OK)
OWN_RECORD = outcomes(403, patient=OK, other_patient=404)
PROVIDERS = outcomes(403, provider=OK, provider_off_team=OK, provider_ended=OK)
CARE_TEAM = outcomes(403, provider=OK, provider_off_team=404, provider_ended=404)
ADMINS = outcomes(403, admin=OK)
INVITERS = outcomes(403, provider=OK, provider_off_team=OK, provider_ended=OK, admin=OK)
NOT_ALLOWED = dict.fromkeys(VIEWERS, 405)
# The FHIR API with each viewer's own token (anonymous has none; a deactivated user's token
# no longer works): a patient reads only their own record, a provider their care team's.
API_RECORD = {
    **dict.fromkeys(VIEWERS, 404),
    "anonymous": 401,
    "deactivated": 401,
    "patient": OK,
    "provider": OK,
}
API_REFUSED = {**dict.fromkeys(VIEWERS, 404)}
# OpenID Connect's userinfo: anyone with a working token carrying `openid` reads their own
# claims; no token or a deactivated account's token, 401.
USERINFO = {**dict.fromkeys(VIEWERS, OK), "anonymous": 401, "deactivated": 401}
# Caregivers cannot hand a record to an app: the consent page refuses their role (403).
SMART_USERS = outcomes(
    403,
    patient=OK,
    other_patient=OK,
    provider=OK,
    provider_off_team=OK,
    provider_ended=OK,
    **dict.fromkeys((*CAREGIVERS, "caregiver_ended"), 403),
)
CAREGIVER_HOME = outcomes(403, **dict.fromkeys((*CAREGIVERS, "caregiver_ended"), OK))
CARING = outcomes(403, **dict.fromkeys(CAREGIVERS, OK))
# The patient's own pages a caregiver may use with one permission.
PLAN_PAGE = outcomes(403, patient=OK, other_patient=OK, caregiver_plan=OK)
DIARY_PAGE = outcomes(403, patient=OK, other_patient=OK, caregiver_diary=OK)
TRENDS_PAGE = outcomes(403, patient=OK, other_patient=OK, caregiver_trends=OK)
# The patient's messages, open to a caregiver whose grant includes messages.
MESSAGES_PAGE = outcomes(403, patient=OK, other_patient=OK, caregiver_messages=OK)
# A conversation: its patient, their caregiver with the messages permission and the care
# team; 404 for anyone else, 403 for admins.
CONVERSATION = outcomes(
    404,
    patient=OK,
    provider=OK,
    caregiver_messages=OK,
    admin=403,
    anonymous=LOGIN,
    deactivated=LOGIN,
)
OWN_INVITATION = outcomes(403, provider=OK, provider_off_team=404, provider_ended=404, admin=404)


@dataclass
class Entry:
    url: object  # a function of the world returning the path
    methods: dict  # method -> outcomes
    data: object = None  # a function of the world returning POST data
    content_type: str | None = None  # JSON for the offline sends
    bearer: bool = False  # the FHIR API: each viewer sends an access token of their own
    scope: str = "launch/patient patient/*.read"  # the scopes of that token


def _url(name, **kwargs):
    return lambda w: reverse(name, kwargs={k: v(w) for k, v in kwargs.items()})


def _offline_entry(w, **fields):
    return {
        "key": str(uuid.uuid4()),
        "owner": w.patient_user.pk,
        "day": w.today.isoformat(),
        "saved_at": timezone.now().isoformat(),
        **fields,
    }


# The owner of an entry kept offline is the patient it was kept for: anyone else is told so.
OFFLINE_SEND = outcomes(403, patient=OK, other_patient=409)

MATRIX = {
    "home": Entry(_url("home"), {"GET": EVERYONE}),
    "language_set": Entry(
        _url("language_set"),
        {"POST": EVERYONE, "GET": NOT_ALLOWED},
        data=lambda w: {"language": "es", "next": "/"},
    ),
    "web_manifest": Entry(_url("web_manifest"), {"GET": EVERYONE, "POST": NOT_ALLOWED}),
    "service_worker": Entry(_url("service_worker"), {"GET": EVERYONE, "POST": NOT_ALLOWED}),
    "offline_page": Entry(
        _url("offline_page", language=lambda w: "es"), {"GET": EVERYONE, "POST": NOT_ALLOWED}
    ),
    "offline_dose": Entry(
        _url("offline_dose"),
        {"POST": OFFLINE_SEND, "GET": NOT_ALLOWED},
        data=lambda w: _offline_entry(w, status="taken"),
        content_type="application/json",
    ),
    "offline_diary": Entry(
        _url("offline_diary"),
        {"POST": OFFLINE_SEND, "GET": NOT_ALLOWED},
        data=lambda w: _offline_entry(w, fields={"pain": "3"}),
        content_type="application/json",
    ),
    "offline_morning": Entry(
        _url("offline_morning"),
        {"POST": OFFLINE_SEND, "GET": NOT_ALLOWED},
        data=lambda w: _offline_entry(w, fields={"sleep": "good"}),
        content_type="application/json",
    ),
    "healthz": Entry(_url("healthz"), {"GET": EVERYONE, "POST": NOT_ALLOWED}),
    "favicon": Entry(_url("favicon"), {"GET": EVERYONE}),
    "patient_home": Entry(_url("patient_home"), {"GET": PATIENTS}),
    "provider_home": Entry(_url("provider_home"), {"GET": PROVIDERS}),
    "admin_home": Entry(_url("admin_home"), {"GET": ADMINS}),
    "account": Entry(
        _url("account"),
        {"GET": LOGGED_IN, "POST": LOGGED_IN},
        data=lambda w: {"name": "Changed Name", "timezone": "Europe/Paris"},
    ),
    # Notifications
    "notification_inbox": Entry(_url("notification_inbox"), {"GET": LOGGED_IN}),
    "notification_mark_read": Entry(
        _url("notification_mark_read", pk=lambda w: w.notification.pk),
        {"POST": outcomes(404, provider=OK), "GET": NOT_ALLOWED},
    ),
    "notification_mark_all_read": Entry(
        _url("notification_mark_all_read"), {"POST": LOGGED_IN, "GET": NOT_ALLOWED}
    ),
    "notification_preferences": Entry(
        _url("notification_preferences"),
        {"GET": LOGGED_IN, "POST": LOGGED_IN},
        data=lambda w: {"timezone": "Europe/Paris", "diary_time": "20:00", "email_enabled": "on"},
    ),
    # Invitations
    "invitation_list": Entry(_url("invitation_list"), {"GET": INVITERS}),
    "invitation_new": Entry(
        _url("invitation_new"),
        {"GET": INVITERS, "POST": INVITERS},
        data=lambda w: {"email": "newcomer@example.org"},
    ),
    "invitation_revoke": Entry(
        _url("invitation_revoke", pk=lambda w: w.invitation.pk),
        {"POST": OWN_INVITATION, "GET": outcomes(405, anonymous=LOGIN, deactivated=LOGIN)},
    ),
    "invitation_accept": Entry(
        _url("invitation_accept", token=lambda w: w.invitation_token), {"GET": EVERYONE}
    ),
    # The patient's own pages
    "onboarding": Entry(
        _url("onboarding"),
        {"GET": PATIENTS, "POST": PATIENTS},
        data=lambda w: {"date_of_birth": "1980-01-01", "timezone": "Europe/Paris"},
    ),
    "profile": Entry(
        _url("profile"),
        {"GET": PATIENTS, "POST": PATIENTS},
        data=lambda w: {"date_of_birth": "1981-02-02", "timezone": "Europe/Paris"},
    ),
    # The LDN passport
    "passport": Entry(_url("passport"), {"GET": PATIENTS}),
    "patient_passport": Entry(
        _url("patient_passport", pk=lambda w: w.patient.pk), {"GET": CARE_TEAM}
    ),
    "panel_export": Entry(_url("panel_export"), {"GET": PROVIDERS}),
    "visit_summary": Entry(_url("visit_summary", pk=lambda w: w.patient.pk), {"GET": CARE_TEAM}),
    # Download my data
    "my_data": Entry(_url("my_data"), {"GET": PATIENTS, "POST": PATIENTS}),
    "my_data_progress": Entry(
        _url("my_data_progress", export_pk=lambda w: w.export.pk), {"GET": OWN_RECORD}
    ),
    "my_data_file": Entry(
        _url("my_data_file", export_pk=lambda w: w.export.pk), {"GET": OWN_RECORD}
    ),
    # Connected apps (SMART on FHIR) and the FHIR API
    "connected_app_revoke": Entry(
        _url("connected_app_revoke", app_pk=lambda w: w.app.pk),
        {"POST": LOGGED_IN, "GET": outcomes(405)},
    ),
    "authorize": Entry(
        lambda w: w.authorize_url,
        {"GET": SMART_USERS, "POST": SMART_USERS},
        data=lambda w: w.authorize_form,
    ),
    "token": Entry(
        _url("oauth2_provider:token"),
        {"POST": dict.fromkeys(VIEWERS, 400), "GET": NOT_ALLOWED},
        data=lambda w: {
            "grant_type": "authorization_code",
            "code": "made-up",
            "client_id": w.app.client_id,
            "redirect_uri": REDIRECT_URI,
        },
    ),
    "revoke-token": Entry(
        _url("oauth2_provider:revoke-token"),
        {"POST": EVERYONE, "GET": NOT_ALLOWED},
        data=lambda w: {"token": "made-up", "client_id": w.app.client_id},
    ),
    "oidc-connect-discovery-info": Entry(
        _url("oauth2_provider:oidc-connect-discovery-info"), {"GET": EVERYONE}
    ),
    "jwks-info": Entry(_url("oauth2_provider:jwks-info"), {"GET": EVERYONE}),
    "user-info": Entry(
        _url("oauth2_provider:user-info"), {"GET": USERINFO}, bearer=True, scope="openid fhirUser"
    ),
    "fhir_metadata": Entry(_url("fhir_metadata"), {"GET": EVERYONE}),
    "fhir_smart_configuration": Entry(_url("fhir_smart_configuration"), {"GET": EVERYONE}),
    "fhir_code_system": Entry(_url("fhir_code_system"), {"GET": EVERYONE}),
    "fhir_patient": Entry(
        _url("fhir_patient", pk=lambda w: w.patient.pk), {"GET": API_RECORD}, bearer=True
    ),
    "fhir_everything": Entry(
        _url("fhir_everything", pk=lambda w: w.patient.pk), {"GET": API_RECORD}, bearer=True
    ),
    "fhir_search": Entry(
        lambda w: (
            reverse("fhir_search", kwargs={"kind": "Observation"}) + f"?patient={w.patient.pk}"
        ),
        {"GET": API_RECORD},
        bearer=True,
    ),
    "fhir_search_messages": Entry(
        lambda w: (
            reverse("fhir_search", kwargs={"kind": "Communication"}) + f"?patient={w.patient.pk}"
        ),
        {"GET": API_RECORD},
        bearer=True,
    ),
    "fhir_read": Entry(
        _url("fhir_read", kind=lambda w: "Observation", rid=lambda w: "diary-1-pain"),
        {"GET": {**API_REFUSED, "anonymous": 401, "deactivated": 401}},
        bearer=True,
    ),
    "fhir_unknown": Entry(
        _url("fhir_unknown", rest=lambda w: "Patient/1/history/2"),
        {"GET": API_REFUSED},
        bearer=True,
    ),
    # Education library
    "library": Entry(
        _url("library"),
        {"GET": LOGGED_IN, "POST": outcomes(405, anonymous=LOGIN, deactivated=LOGIN)},
    ),
    "library_article": Entry(
        _url("library_article", slug=lambda w: w.article.slug), {"GET": LOGGED_IN}
    ),
    "access_log": Entry(_url("access_log"), {"GET": PATIENTS}),
    "access_visit": Entry(
        _url("access_visit", actor=lambda w: w.users["provider"].pk, day=lambda w: w.access_day),
        {"GET": OWN_RECORD},
    ),
    "medication_list": Entry(
        _url("medication_list"),
        {"GET": PATIENTS, "POST": PATIENTS},
        data=lambda w: {"name": "Vitamin B12"},
    ),
    "medication_edit": Entry(
        _url("medication_edit", med_pk=lambda w: w.medication.pk),
        {"GET": OWN_RECORD, "POST": OWN_RECORD},
        data=lambda w: {"name": "Renamed by a test", "dose_text": "", "started_on": ""},
    ),
    "medication_stop": Entry(
        _url("medication_stop", med_pk=lambda w: w.medication.pk),
        {"GET": OWN_RECORD, "POST": OWN_RECORD},
        data=lambda w: {"stopped_on": timezone.localdate().isoformat()},
    ),
    # The care team's pages
    "patient_list": Entry(_url("patient_list"), {"GET": PROVIDERS}),
    "patient_record": Entry(_url("patient_record", pk=lambda w: w.patient.pk), {"GET": CARE_TEAM}),
    "patient_medication_list": Entry(
        _url("patient_medication_list", pk=lambda w: w.patient.pk),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {"name": "Magnesium"},
    ),
    "patient_medication_edit": Entry(
        _url(
            "patient_medication_edit", pk=lambda w: w.patient.pk, med_pk=lambda w: w.medication.pk
        ),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {"name": "Renamed by a provider", "dose_text": "", "started_on": ""},
    ),
    "patient_medication_stop": Entry(
        _url(
            "patient_medication_stop", pk=lambda w: w.patient.pk, med_pk=lambda w: w.medication.pk
        ),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {"stopped_on": timezone.localdate().isoformat()},
    ),
    "flag_review": Entry(
        _url("flag_review", pk=lambda w: w.patient.pk, flag_pk=lambda w: w.flag.pk),
        {"POST": CARE_TEAM, "GET": NOT_ALLOWED},
        data=lambda w: {"note": "Seen"},
    ),
    # Messages
    "message_list": Entry(_url("message_list"), {"GET": MESSAGES_PAGE}),
    "conversation_new": Entry(
        _url("conversation_new"),
        {"GET": MESSAGES_PAGE, "POST": MESSAGES_PAGE},
        data=lambda w: {"subject": "A question", "topic": "other", "body": "Hello"},
    ),
    "provider_inbox": Entry(_url("provider_inbox"), {"GET": PROVIDERS}),
    "provider_conversation_new": Entry(
        _url("provider_conversation_new", pk=lambda w: w.patient.pk),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {"subject": "From the team", "topic": "other", "body": "Hello"},
    ),
    "conversation_detail": Entry(
        _url("conversation_detail", pk=lambda w: w.conversation.pk),
        {"GET": CONVERSATION, "POST": CONVERSATION},
        data=lambda w: {"body": "A reply"},
    ),
    "message_withdraw": Entry(
        _url("message_withdraw", pk=lambda w: w.conversation.pk, message_pk=lambda w: w.message.pk),
        {"POST": CONVERSATION, "GET": NOT_ALLOWED},
    ),
    "attachment_download": Entry(
        _url(
            "attachment_download",
            pk=lambda w: w.conversation.pk,
            attachment_pk=lambda w: w.attachment.pk,
        ),
        {"GET": CONVERSATION, "POST": NOT_ALLOWED},
    ),
    "conversation_assign": Entry(
        _url("conversation_assign", pk=lambda w: w.conversation.pk),
        {"POST": CARE_TEAM, "GET": NOT_ALLOWED},
        data=lambda w: {"assigned_to": w.users["provider"].pk},
    ),
    "conversation_close": Entry(
        _url("conversation_close", pk=lambda w: w.conversation.pk),
        {"POST": CARE_TEAM, "GET": NOT_ALLOWED},
    ),
    "conversation_reopen": Entry(
        _url("conversation_reopen", pk=lambda w: w.conversation.pk),
        {"POST": CARE_TEAM, "GET": NOT_ALLOWED},
    ),
    # Regimens: the care team's pages
    "titration_queue": Entry(_url("titration_queue"), {"GET": PROVIDERS}),
    "regimen_start": Entry(
        _url("regimen_start", pk=lambda w: w.patient.pk),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {
            "protocol": w.regimen.protocol_id,
            "form": "liquid",
            "concentration_mg_per_ml": "1",
            "dose_time": "bedtime",
            "start_on": w.today.isoformat(),
        },
    ),
    "regimen_detail": Entry(
        _url("regimen_detail", pk=lambda w: w.patient.pk, regimen_pk=lambda w: w.regimen.pk),
        {"GET": CARE_TEAM},
    ),
    "regimen_decision": Entry(
        _url(
            "regimen_decision",
            pk=lambda w: w.patient.pk,
            regimen_pk=lambda w: w.regimen.pk,
            action=lambda w: "hold",
        ),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {
            "until": (w.today + timedelta(days=3)).isoformat(),
            "reason": "side_effects",
        },
    ),
    "regimen_side_effect": Entry(
        _url("regimen_side_effect", pk=lambda w: w.patient.pk, regimen_pk=lambda w: w.regimen.pk),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {
            "side_effect-on": w.today.isoformat(),
            "side_effect-kind": "headache",
            "side_effect-severity": "1",
        },
    ),
    # Regimens: the patient's own pages and the private calendar feed
    "tonight": Entry(_url("tonight"), {"GET": PLAN_PAGE}),
    "dose_log": Entry(
        _url("dose_log"),
        {"POST": DIARY_PAGE, "GET": NOT_ALLOWED},
        data=lambda w: {"status": "taken"},
    ),
    "tonight_side_effect": Entry(
        _url("tonight_side_effect"),
        {"GET": DIARY_PAGE, "POST": DIARY_PAGE},
        data=lambda w: {
            "side_effect-on": w.today.isoformat(),
            "side_effect-kind": "nausea",
            "side_effect-severity": "2",
        },
    ),
    "hold_request": Entry(
        _url("hold_request"),
        {"POST": PATIENTS, "GET": NOT_ALLOWED},
        data=lambda w: {"hold-note": "Busy week"},
    ),
    "calendar_settings": Entry(
        _url("calendar_settings"),
        {"GET": PATIENTS, "POST": PATIENTS},
        data=lambda w: {"action": "regenerate"},
    ),
    # Planned pauses of LDN: the patient's own pages and the care team's
    "pause_plans": Entry(
        _url("pause_plans"),
        {"GET": PATIENTS, "POST": PATIENTS},
        data=lambda w: {
            "kind": "procedure",
            "procedure_on": (w.today + timedelta(days=20)).isoformat(),
        },
    ),
    "pause_plan": Entry(
        _url("pause_plan", plan_pk=lambda w: w.plan.pk),
        {"GET": OWN_RECORD, "POST": OWN_RECORD},
        data=lambda w: {"procedure_on": (w.today + timedelta(days=12)).isoformat()},
    ),
    "pause_plan_cancel": Entry(
        _url("pause_plan_cancel", plan_pk=lambda w: w.plan.pk),
        {"POST": OWN_RECORD, "GET": NOT_ALLOWED},
    ),
    "patient_pause_plans": Entry(
        _url("patient_pause_plans", pk=lambda w: w.patient.pk),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {
            "kind": "course",
            "medication_name": "codeine 30 mg",
            "course_starts_on": (w.today + timedelta(days=5)).isoformat(),
            "course_ends_on": (w.today + timedelta(days=7)).isoformat(),
        },
    ),
    "patient_pause_plan": Entry(
        _url("patient_pause_plan", pk=lambda w: w.patient.pk, plan_pk=lambda w: w.plan.pk),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {"procedure_on": (w.today + timedelta(days=14)).isoformat()},
    ),
    "patient_pause_plan_approve": Entry(
        _url("patient_pause_plan_approve", pk=lambda w: w.patient.pk, plan_pk=lambda w: w.plan.pk),
        {"POST": CARE_TEAM, "GET": NOT_ALLOWED},
        data=lambda w: {"note": "Approved in the matrix"},
    ),
    "patient_pause_plan_decline": Entry(
        _url("patient_pause_plan_decline", pk=lambda w: w.patient.pk, plan_pk=lambda w: w.plan.pk),
        {"POST": CARE_TEAM, "GET": NOT_ALLOWED},
        data=lambda w: {"reason": "no_pause_needed"},
    ),
    "patient_pause_plan_cancel": Entry(
        _url("patient_pause_plan_cancel", pk=lambda w: w.patient.pk, plan_pk=lambda w: w.plan.pk),
        {"POST": CARE_TEAM, "GET": NOT_ALLOWED},
    ),
    "calendar_feed": Entry(
        _url("calendar_feed", token=lambda w: w.calendar_token), {"GET": EVERYONE}
    ),
    # Supply: the patient's own page and the care team's
    "supply": Entry(
        _url("supply"),
        {"GET": PATIENTS, "POST": PATIENTS},
        data=lambda w: {
            "fill-on": w.today.isoformat(),
            "fill-form": "liquid",
            "fill-strength_mg": "1",
            "fill-quantity": "50",
        },
    ),
    "refill_request": Entry(
        _url("refill_request"),
        {"POST": PATIENTS, "GET": NOT_ALLOWED},
        data=lambda w: {"refill-note": "Matrix"},
    ),
    "patient_supply": Entry(
        _url("patient_supply", pk=lambda w: w.patient.pk),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {
            "fill-on": w.today.isoformat(),
            "fill-form": "liquid",
            "fill-strength_mg": "1",
            "fill-quantity": "50",
        },
    ),
    "patient_refill_handled": Entry(
        _url("patient_refill_handled", pk=lambda w: w.patient.pk, refill_pk=lambda w: w.refill.pk),
        {"POST": CARE_TEAM, "GET": NOT_ALLOWED},
    ),
    # The symptom diary: the patient's own pages (another patient has a diary of their own)
    "diary": Entry(_url("diary"), {"GET": DIARY_PAGE}),
    "diary_today": Entry(_url("diary_today"), {"GET": DIARY_PAGE}),
    "diary_new": Entry(
        _url("diary_new"),
        {"GET": DIARY_PAGE, "POST": DIARY_PAGE},
        data=lambda w: {"day": w.today.isoformat(), "pain": "4", "headache": "1"},
    ),
    "diary_entry": Entry(
        _url("diary_entry", day=lambda w: w.today),
        {"GET": DIARY_PAGE, "POST": DIARY_PAGE},
        data=lambda w: {"pain": "3", "notes": "Matrix"},
    ),
    "diary_morning": Entry(
        _url("diary_morning"),
        {"POST": DIARY_PAGE, "GET": NOT_ALLOWED},
        data=lambda w: {"sleep": "good"},
    ),
    "diary_pgic": Entry(
        _url("diary_pgic"), {"GET": PATIENTS, "POST": PATIENTS}, data=lambda w: {"score": "3"}
    ),
    "diary_trends": Entry(_url("diary_trends"), {"GET": TRENDS_PAGE, "POST": NOT_ALLOWED}),
    "diary_export": Entry(_url("diary_export"), {"GET": DIARY_PAGE}),
    # The symptom diary: the care team's pages
    "patient_diary": Entry(_url("patient_diary", pk=lambda w: w.patient.pk), {"GET": CARE_TEAM}),
    "patient_trends": Entry(_url("patient_trends", pk=lambda w: w.patient.pk), {"GET": CARE_TEAM}),
    "patient_diary_export": Entry(
        _url("patient_diary_export", pk=lambda w: w.patient.pk), {"GET": CARE_TEAM}
    ),
    "patient_review": Entry(
        _url("patient_review", pk=lambda w: w.patient.pk),
        {"POST": CARE_TEAM, "GET": NOT_ALLOWED},
        data=lambda w: {"flags": [w.flag.pk], "note": "Seen in the matrix"},
    ),
    # Check-ins: the patient's own pages
    "my_checkins": Entry(_url("my_checkins"), {"GET": PATIENTS}),
    "checkin_confirm": Entry(
        _url("checkin_confirm", checkin_pk=lambda w: w.checkin.pk),
        {"POST": OWN_RECORD, "GET": NOT_ALLOWED},
    ),
    "checkin_request_change": Entry(
        _url("checkin_request_change", checkin_pk=lambda w: w.checkin.pk),
        {"GET": OWN_RECORD, "POST": OWN_RECORD},
        data=lambda w: {"message": "Another day, please"},
    ),
    # Check-ins: the care team's pages
    "provider_checkins": Entry(_url("provider_checkins"), {"GET": PROVIDERS}),
    "checkin_book": Entry(
        _url("checkin_book", pk=lambda w: w.patient.pk),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {
            "date": (w.today + timedelta(days=2)).isoformat(),
            "time": "10:00",
            "kind": "video",
        },
    ),
    "checkin_detail": Entry(
        _url("checkin_detail", pk=lambda w: w.patient.pk, checkin_pk=lambda w: w.checkin.pk),
        {"GET": CARE_TEAM},
    ),
    "checkin_reschedule": Entry(
        _url("checkin_reschedule", pk=lambda w: w.patient.pk, checkin_pk=lambda w: w.checkin.pk),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {
            "date": (w.today + timedelta(days=3)).isoformat(),
            "time": "11:00",
            "kind": "phone",
        },
    ),
    "checkin_cancel": Entry(
        _url("checkin_cancel", pk=lambda w: w.patient.pk, checkin_pk=lambda w: w.checkin.pk),
        {"POST": CARE_TEAM, "GET": NOT_ALLOWED},
    ),
    "checkin_complete": Entry(
        _url("checkin_complete", pk=lambda w: w.patient.pk, checkin_pk=lambda w: w.checkin.pk),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {"pgic_score": "3", "notes": "Matrix"},
    ),
    "checkin_rule": Entry(
        _url("checkin_rule", pk=lambda w: w.patient.pk, regimen_pk=lambda w: w.regimen.pk),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {"days_after_step": "14", "at_time": "10:00", "kind": "phone"},
    ),
    # Caregivers: the patient's page of caregivers, a care-team provider's invitation, the
    # caregiver's home and switcher
    "caregivers": Entry(
        _url("caregivers"),
        {"GET": PATIENTS, "POST": PATIENTS},
        data=lambda w: {"email": "helper@example.org", "permissions": ["diary"]},
    ),
    "caregiver_edit": Entry(
        _url("caregiver_edit", grant_pk=lambda w: w.grant.pk),
        {"GET": OWN_RECORD, "POST": OWN_RECORD},
        data=lambda w: {"permissions": ["plan", "trends"]},
    ),
    "caregiver_end": Entry(
        _url("caregiver_end", grant_pk=lambda w: w.grant.pk),
        {"POST": OWN_RECORD, "GET": NOT_ALLOWED},
    ),
    "caregiver_invitation_revoke": Entry(
        _url("caregiver_invitation_revoke", offer_pk=lambda w: w.caregiver_offer.pk),
        {"POST": OWN_RECORD, "GET": NOT_ALLOWED},
    ),
    "patient_caregiver_invite": Entry(
        _url("patient_caregiver_invite", pk=lambda w: w.patient.pk),
        {"GET": CARE_TEAM, "POST": CARE_TEAM},
        data=lambda w: {"email": "helper@example.org", "permissions": ["plan"]},
    ),
    "care_home": Entry(_url("care_home"), {"GET": CAREGIVER_HOME}),
    "care_switch": Entry(
        _url("care_switch"),
        {"POST": CARING, "GET": NOT_ALLOWED},
        data=lambda w: {"patient": w.patient.pk},
    ),
}

# URL names that belong to libraries with their own protection and tests.
LIBRARY_URL_MODULES = ("allauth.", "django.contrib.admin")


def _project_url_names(resolver=None):
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            module = getattr(pattern.urlconf_module, "__name__", "")
            if not module.startswith(LIBRARY_URL_MODULES) and pattern.namespace != "admin":
                names |= _project_url_names(pattern)
        elif (
            isinstance(pattern, URLPattern)
            and pattern.name
            and not pattern.callback.__module__.startswith(LIBRARY_URL_MODULES)
        ):
            names.add(pattern.name)
    return names


def test_every_project_url_has_an_entry():
    missing = _project_url_names() - MATRIX.keys()
    assert not missing, f"add these URL names to the access matrix: {sorted(missing)}"


class World:
    """The records every matrix case acts on, owned by `patient` and their care team."""

    def __init__(self):
        self.patient_user = PatientUserFactory(email="owner@example.org")
        self.patient = self.patient_user.patient
        self.users = {
            "patient": self.patient_user,
            "other_patient": PatientUserFactory(email="stranger@example.org"),
            "provider": ProviderFactory(email="team@example.org"),
            "provider_off_team": ProviderFactory(email="off-team@example.org"),
            "provider_ended": ProviderFactory(email="ended@example.org"),
            "admin": AdminFactory(email="root@example.org"),
            "deactivated": PatientUserFactory(email="gone@example.org"),
        }
        grants = {}
        for kind in ("plan", "diary", "messages", "trends"):
            self.users[f"caregiver_{kind}"] = CaregiverFactory(email=f"{kind}@carers.example.org")
            grants[kind] = _grant(self.patient, self.users[f"caregiver_{kind}"], [kind])
        self.users["caregiver_ended"] = CaregiverFactory(email="ended@carers.example.org")
        ended_grant = _grant(
            self.patient, self.users["caregiver_ended"], ["plan", "diary", "messages", "trends"]
        )
        caregiver_grant_end(grant=ended_grant, ended_by=self.patient_user)
        self.grant = grants["plan"]
        team = self.users["provider"]
        care_team_add(patient=self.patient, provider=team, added_by=team)
        ended = care_team_add(
            patient=self.patient, provider=self.users["provider_ended"], added_by=team
        )
        care_team_end(membership=ended)
        self.medication = medication_add(
            patient=self.patient, name="Tramadol 50 mg", added_by=self.patient_user
        )
        self.flag = self.patient.flags.get()
        self.today = local_today(self.patient)
        ensure_protocols()  # browser journeys flush what data migrations wrote
        self.regimen = regimen_start(
            patient=self.patient,
            protocol=Protocol.objects.get(family="ldnrt-1-mg-weekly", retired_at__isnull=True),
            formulation=Formulation(kind="liquid", concentration_mg_per_ml=Decimal("1")),
            dose_time="bedtime",
            start_on=self.today,
            started_by=team,
            today=self.today,
            opioid_override_reason="Matrix world: started before the tramadol",
        )
        self.calendar_token = calendar_feed_create(patient=self.patient).token
        self.plan = plan_propose(
            patient=self.patient,
            created_by=self.patient_user,
            kind="procedure",
            procedure_on=self.today + timedelta(days=10),
            procedure_kind="dental",
            today=self.today,
        )
        self.checkin = checkin_book(
            patient=self.patient,
            provider=team,
            starts_at=timezone.now() + timedelta(days=1),
            kind="video",
            booked_by=team,
        )
        self.article = content(slug="matrix-article")
        self.app = app_register("Matrix App")
        self.export = DataExport.objects.create(
            patient=self.patient,
            requested_by=self.patient_user,
            requested_at=timezone.now(),
            status=DataExport.Status.READY,
            content=b"PK matrix",
            expires_at=timezone.now() + timedelta(hours=1),
        )
        self.authorize_form = {
            "client_id": self.app.client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "launch/patient patient/*.read",
            "state": "matrix",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
            "allow": "Authorize",
        }
        query = {k: v for k, v in self.authorize_form.items() if k != "allow"}
        self.authorize_url = reverse("oauth2_provider:authorize") + "?" + urlencode(query)
        # The care team provider's safety notice about that flag, delivered.
        self.notification = Notification.objects.get(recipient=team, channel="in_app")
        Notification.objects.filter(pk=self.notification.pk).update(
            status="sent", sent_at=timezone.now()
        )
        self.caregiver_offer, _token = caregiver_invite(
            patient=self.patient,
            email="invited.carer@example.org",
            permissions=["diary"],
            invited_by=self.patient_user,
        )
        self.conversation = conversation_start(
            patient=self.patient,
            started_by=self.patient_user,
            subject="Capsules",
            topic="medications",
            body="The pharmacy sent the wrong strength",
            files=clean_files([pdf()]),
        )
        self.message = self.conversation.messages.get()
        self.attachment = self.message.attachments.get()
        self.refill = refill_request_send(
            patient=self.patient, requested_by=self.patient_user, today=self.today
        )
        self.invitation, self.invitation_token = invitation_create(
            email="invitee@example.org",
            role="patient",
            invited_by=team,
            now=timezone.now() - timedelta(minutes=1),
        )
        # The care team's provider opened the record: a visit on the patient's access log.
        viewed = access_record(actor=team, patient=self.patient, action="view_record", path="/")
        self.access_day = local_date(viewed.at, self.patient_user.timezone)


def _grant(patient, caregiver, permissions):
    """A caregiver with these permissions, through the invitation they accepted."""
    offer, _token = caregiver_invite(
        patient=patient,
        email=caregiver.email,
        permissions=permissions,
        invited_by=patient.user,
    )
    invitation_accept_existing(invitation=offer.invitation, user=caregiver)
    return patient.caregiver_grants.get(caregiver=caregiver, ended_at__isnull=True)


def _fingerprint():
    """Everything a write could touch, to show a refused write changed nothing."""
    tables = [
        ("patients", "Patient"),
        ("patients", "Medication"),
        ("patients", "Flag"),
        ("patients", "CareTeamMembership"),
        ("patients", "CaregiverGrant"),
        ("patients", "CaregiverInvitation"),
        ("patients", "CheckIn"),
        ("patients", "PGICResponse"),
        ("patients", "DiaryEntry"),
        ("patients", "Review"),
        ("regimens", "CheckInRule"),
        ("accounts", "Invitation"),
        ("accounts", "User"),
        ("regimens", "Regimen"),
        ("regimens", "TitrationStep"),
        ("regimens", "RegimenEvent"),
        ("patients", "SideEffectReport"),
        ("regimens", "DoseLog"),
        ("regimens", "CalendarFeed"),
        ("regimens", "PausePlan"),
        ("regimens", "SupplyFill"),
        ("regimens", "RefillRequest"),
        ("notifications", "Notification"),
        ("notifications", "Preferences"),
        ("oauth2_provider", "Grant"),
        ("oauth2_provider", "AccessToken"),
        ("interop", "DataExport"),
        ("messaging", "Conversation"),
        ("messaging", "Message"),
        ("messaging", "Attachment"),
        ("core", "OfflineSubmission"),
    ]

    def rows(model):
        # Binary columns read back as a fresh memoryview each time: compare the other columns.
        names = [
            f.attname for f in model._meta.concrete_fields if f.get_internal_type() != "BinaryField"
        ]
        return sorted(map(repr, model.objects.values(*names)))

    return {(app, model): rows(apps.get_model(app, model)) for app, model in tables}


CASES = [
    (name, method, viewer)
    for name, entry in MATRIX.items()
    for method, table in entry.methods.items()
    for viewer in VIEWERS
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world is built once, inside a transaction that is rolled back when the module ends;
    each case runs in a savepoint of it (the `db` fixture's), so nothing a case writes reaches
    the next case."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield World()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.parametrize(("name", "method", "viewer"), CASES)
def test_access(world, client, db, name, method, viewer):
    entry = MATRIX[name]
    expected = entry.methods[method][viewer]
    if viewer != "anonymous":
        client.force_login(world.users[viewer])
    if viewer == "deactivated":
        # In the database only: the case's savepoint takes it back, the world's object keeps
        # the account active for the next case.
        type(world.users[viewer]).objects.filter(pk=world.users[viewer].pk).update(is_active=False)
    url = entry.url(world)
    headers = {}
    if entry.bearer and viewer != "anonymous":
        headers = bearer(token_for(world.users[viewer], app=world.app, scope=entry.scope))
    before = _fingerprint() if method == "POST" and expected != OK else None

    if method == "POST":
        data = entry.data(world) if entry.data else {}
        if entry.content_type:
            response = client.post(url, data, content_type=entry.content_type, **headers)
        else:
            response = client.post(url, data, **headers)
    else:
        response = client.get(url, **headers)

    location = response.get("Location", "")
    if expected == OK:
        assert response.status_code < 400, response.status_code
        assert not location.startswith("/accounts/login/"), location
    elif expected == LOGIN:
        assert response.status_code == 302 and location.startswith("/accounts/login/"), (
            response.status_code,
            location,
        )
    else:
        assert response.status_code == expected
    if before is not None:
        assert _fingerprint() == before, "a refused write changed data"
