import hashlib
import json
import uuid
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from interop.selectors import connected_apps
from messaging.selectors.conversations import (
    waiting_by_patient,
    waiting_for_patient,
    waiting_for_team,
)
from patients.forms.diary import DiaryEntryForm
from patients.selectors import diary as diary_selectors
from patients.selectors.records import own_patient, visible_patients
from patients.selectors.triage import triage_queue
from portal.accounts.decorators import role_required
from portal.accounts.forms import AccountForm
from portal.accounts.mfa import mfa_enrolled, mfa_required
from portal.accounts.models import Role
from portal.accounts.services import account_language_set, account_update
from portal.core import offline
from portal.core.health import broker_status, database_status, reminder_lag
from portal.core.staff import staff_home_sections
from portal.lib.fragments import render_rows
from portal.lib.redirects import safe_next
from portal.lib.timing import local_today
from regimens.selectors.regimens import tonight_for
from regimens.services.status import statuses_refresh_due

ROLE_HOMES = {
    Role.PATIENT: "patient_home",
    Role.PROVIDER: "provider_home",
    Role.ADMIN: "admin_home",
    Role.CAREGIVER: "care_home",
}


def home(request):
    if not request.user.is_authenticated:
        return render(request, "core/landing.html")
    return redirect(ROLE_HOMES[request.user.role])


@role_required(Role.PATIENT)
def patient_home(request):
    patient = own_patient(request.user)
    today = local_today(patient)
    diary_today = diary_selectors.diary_entry_on(patient=patient, day=today)
    context = {
        "patient": patient,
        "opioids": patient.medications.filter(stopped_on__isnull=True)
        .exclude(screening="none", is_full_dose_naltrexone=False)
        .order_by("name"),
        "tonight": tonight_for(patient=patient, today=today),
        "diary_today": diary_today,
        "diary_day": today,
        "morning_step": diary_selectors.morning_step(diary_today),
        "pgic_due": diary_selectors.pgic_due(patient=patient, today=today),
        "waiting_conversations": waiting_for_patient(patient=patient),
    }
    return render(request, "core/patient_home.html", context)


@role_required(Role.PROVIDER)
def provider_home(request):
    """The triage queue: the care team's patients by their most serious open flag, then the
    titration decisions waiting (patients.selectors.triage), one page at a time."""
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    statuses_refresh_due(patients=visible_patients(request.user))
    triage = triage_queue(provider=request.user, page=page)
    waiting = waiting_by_patient(
        provider=request.user, patient_ids=[row.patient.pk for row in triage.rows]
    )
    for row in triage.rows:
        row.waiting = waiting.get(row.patient.pk)
    render_rows("patients/review/triage_row.html", triage.rows, name="row")
    context = {
        "triage": triage,
        "waiting": waiting_for_team(provider=request.user),
    }
    return render(request, "core/provider_home.html", context)


@role_required(Role.ADMIN)
def admin_home(request):
    rows = get_user_model().objects.filter(is_active=True).values("role").annotate(n=Count("id"))
    counts = {row["role"]: row["n"] for row in rows}
    role_counts = [(label, counts.get(value, 0)) for value, label in Role.choices]
    return render(
        request,
        "core/admin_home.html",
        {"role_counts": role_counts, "sections": staff_home_sections(today=timezone.localdate())},
    )


@login_required
def account(request):
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        account_update(
            user=request.user,
            name=form.cleaned_data["name"],
            timezone_name=form.cleaned_data["timezone"],
        )
        messages.success(request, _("Your account details are saved."))
        return redirect("account")
    return render(
        request,
        "core/account.html",
        {
            "form": form,
            "mfa_enrolled": mfa_enrolled(request.user),
            "mfa_required": mfa_required(request.user),
            "connected_apps": connected_apps(request.user),
        },
    )


@require_POST
def language_set(request):
    """The language switch (My account, the login page): kept on the account of a logged-in
    user, and in the language cookie for everyone, so the login page follows it too."""
    language = request.POST.get("language", "")
    response = redirect(safe_next(request, default="/"))
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Choose one of the languages in the list."))
        return response
    if request.user.is_authenticated:
        account_language_set(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "error", **checks}
    if checks["database"] == "ok":
        body["reminder_lag_seconds"] = reminder_lag()
    return JsonResponse(body, status=200 if healthy else 503)


# --- Installable app and offline entries (README, "Install and offline") -------------------

# What the service worker keeps: the application shell (styles, scripts, icons) and the offline
# page in each language. Never a page with health data: pages are fetched from the network
# every time and, with no connection, the offline page stands in for them.
SHELL_STATIC = (
    "vendor/bootstrap/bootstrap.min.css",
    "css/portal.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js",
    "js/portal.js",
    "js/offline-store.js",
    "js/offline.js",
    "img/favicon.svg",
    "img/icons/icon-192.png",
)
MANIFEST_ICONS = (
    ("img/icons/icon-192.png", "192x192", "any"),
    ("img/icons/icon-512.png", "512x512", "any"),
    ("img/icons/maskable-512.png", "512x512", "maskable"),
)
THEME_COLOUR = "#2c5d8a"
BACKGROUND_COLOUR = "#ffffff"


def _start_url(user) -> str:
    if user.is_authenticated and user.role in ROLE_HOMES:
        return reverse(ROLE_HOMES[user.role])
    return reverse("home")


@require_GET
def web_manifest(request):
    """The web app manifest: the portal installs as an app that opens on the user's home
    (Tonight's card for a patient, the triage queue for a provider)."""
    body = {
        "id": "/",
        "name": _("LDN Portal"),
        "short_name": _("LDN"),
        "description": _(
            "Tonight's LDN dose, a daily symptom diary and reminders, with your care team."
        ),
        "lang": translation.get_language(),
        "start_url": _start_url(request.user),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in MANIFEST_ICONS
        ],
    }
    response = JsonResponse(body, content_type="application/manifest+json")
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def _service_worker_source() -> str:
    path = finders.find("js/sw.js")
    if path is None:  # collected static files only (no finders in production)
        path = str(Path(settings.STATIC_ROOT) / "js" / "sw.js")
    return Path(path).read_text(encoding="utf-8")


@require_GET
def service_worker(request):
    """static/js/sw.js, served from the site's root so that its scope covers every page.
    The list of shell files (their hashed names in production) and a version that changes
    with them are filled in here."""
    shell = [static(path) for path in SHELL_STATIC]
    shell += [reverse("offline_page", args=[code]) for code, _name in settings.LANGUAGES]
    source = _service_worker_source()
    # The offline pages are part of the shell: a change to their words or forms (a new
    # translation, say) is a new version too, so phones fetch them again.
    pages = [_offline_html(request, code) for code, _name in settings.LANGUAGES]
    version = hashlib.sha256("\n".join([source, *shell, *pages]).encode()).hexdigest()[:16]
    config = {
        "version": version,
        "shell": shell,
        "offline": {code: reverse("offline_page", args=[code]) for code, _n in settings.LANGUAGES},
        "defaultLanguage": settings.LANGUAGE_CODE,
        "store": static("js/offline-store.js"),
    }
    body = source.replace("self.LDN_CONFIG = {};", f"self.LDN_CONFIG = {json.dumps(config)};", 1)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline_page(request, language):
    """The page the service worker shows for any page that cannot load without a
    connection. The same for everyone: no name, no health data, nothing from the session;
    what this phone still has to send is listed by the page's script from the phone's own
    store."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    response = HttpResponse(_offline_html(request, language))
    response["Content-Language"] = language
    return response


def _offline_html(request, language) -> str:
    with translation.override(language):
        # Everyone's diary scores, blank: the page's script shows them, and the dose button,
        # only on a phone a patient is logged in on, and keeps what is saved there.
        scores = DiaryEntryForm(
            questions=diary_selectors.DiaryQuestions(), today=date.min, day=date.min
        )
        context = {"language": language, "form": scores}
        return render_to_string("core/offline.html", context, request=request)


def _offline_payload(request):
    if request.content_type != "application/json":
        return None  # a form post (its body already read as form data), not a kept entry
    try:
        payload = json.loads(request.body or b"{}")
        key = uuid.UUID(str(payload["key"]))
        day = date.fromisoformat(str(payload["day"]))
        saved_at = datetime.fromisoformat(str(payload["saved_at"]))
    except (ValueError, KeyError, TypeError):
        return None
    if timezone.is_naive(saved_at):
        return None
    choice = payload.get("choice") or ""
    if choice not in offline.CHOICES:
        return None
    return payload, key, day, saved_at, choice


def _offline_response(outcome: offline.Outcome) -> JsonResponse:
    status = {"saved": 201, "conflict": 409, "invalid": 400}.get(outcome.result, 200)
    body = {"result": outcome.result, "errors": outcome.errors, "server": outcome.server}
    return JsonResponse(body, status=status)


def _offline_refusal():
    return JsonResponse(
        {"result": "invalid", "errors": {"__all__": [_("This entry could not be read.")]}},
        status=400,
    )


def _not_theirs(request, payload) -> bool:
    """An entry kept for another account on this browser is never saved to this one."""
    return str(payload.get("owner", "")) != str(request.user.pk)


@require_POST
@role_required(Role.PATIENT)
def offline_dose(request):
    """Tonight's dose mark, kept by the phone while offline (JSON; portal.core.offline)."""
    parsed = _offline_payload(request)
    if parsed is None:
        return _offline_refusal()
    payload, key, day, saved_at, choice = parsed
    if _not_theirs(request, payload):
        return JsonResponse({"result": "not_yours"}, status=409)
    patient = own_patient(request.user)
    outcome = offline.offline_dose_submit(
        patient=patient,
        key=key,
        day=day,
        status=str(payload.get("status", "")),
        saved_at=saved_at,
        today=local_today(patient),
        choice=choice,
    )
    return _offline_response(outcome)


@require_POST
@role_required(Role.PATIENT)
def offline_diary(request):
    """A diary day, kept by the phone while offline (JSON; portal.core.offline)."""
    return _offline_fields(request, offline.offline_diary_submit)


@require_POST
@role_required(Role.PATIENT)
def offline_morning(request):
    """A tap of the morning check-in, kept by the phone while offline (JSON;
    portal.core.offline)."""
    return _offline_fields(request, offline.offline_morning_submit)


def _offline_fields(request, submit):
    """An entry of form fields the phone kept (the diary or a morning tap), saved by
    `submit` with the form's own checks."""
    parsed = _offline_payload(request)
    if parsed is None or not isinstance(parsed[0].get("fields"), dict):
        return _offline_refusal()
    payload, key, day, saved_at, choice = parsed
    if _not_theirs(request, payload):
        return JsonResponse({"result": "not_yours"}, status=409)
    patient = own_patient(request.user)
    outcome = submit(
        patient=patient,
        key=key,
        day=day,
        fields=payload["fields"],
        saved_at=saved_at,
        today=local_today(patient),
        choice=choice,
    )
    return _offline_response(outcome)


@require_safe
def favicon(request):
    """The portal's icon, for browsers asking /favicon.ico (the Django admin names none)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
