from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from interop.selectors import connected_apps
from messaging.selectors.conversations import (
    waiting_by_patient,
    waiting_for_patient,
    waiting_for_team,
)
from patients.selectors import diary as diary_selectors
from patients.selectors.records import own_patient, visible_patients
from patients.selectors.triage import triage_queue
from portal.accounts.decorators import role_required
from portal.accounts.forms import AccountForm
from portal.accounts.mfa import mfa_enrolled
from portal.accounts.models import Role
from portal.accounts.services import account_update
from portal.core.health import broker_status, database_status, reminder_lag
from portal.core.staff import staff_home_sections
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
    context = {
        "triage": triage,
        "patient_count": visible_patients(request.user).count(),
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
            "connected_apps": connected_apps(request.user),
        },
    )


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "error", **checks}
    if checks["database"] == "ok":
        body["reminder_lag_seconds"] = reminder_lag()
    return JsonResponse(body, status=200 if healthy else 503)


@require_safe
def favicon(request):
    """The portal's icon, for browsers asking /favicon.ico (the Django admin names none)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
