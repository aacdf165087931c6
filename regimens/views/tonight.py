"""The patient's own regimen pages: Tonight (the dose, the plan, the dose log), reporting a
side effect, asking to hold the next step, and the calendar feed settings. Only patients
reach them (403 otherwise), and only ever their own regimen."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from patients.forms.side_effects import SideEffectForm
from patients.selectors.care import Permission, acting_patient, current_grant
from patients.selectors.records import Purpose, own_patient
from patients.services.side_effects import side_effect_report
from portal.accounts.decorators import role_required
from portal.accounts.models import Role
from portal.lib.forms import add_service_errors
from portal.lib.timing import local_today
from regimens.forms.reports import CalendarPreferenceForm, DoseLogForm, HoldRequestForm
from regimens.models import DoseLog
from regimens.selectors import regimens as selectors
from regimens.selectors.supply import Read, supply_for
from regimens.services import calendar_feeds
from regimens.services.reports import dose_log_mark, regimen_request_hold

LOGGED = {
    DoseLog.Status.TAKEN: gettext_lazy("Tonight's dose is marked as taken."),
    DoseLog.Status.SKIPPED: gettext_lazy("Tonight's dose is marked as skipped."),
    DoseLog.Status.MISSED: gettext_lazy(
        "Tonight's dose is marked as missed. Do not take two doses to make up for it: take "
        "your next dose at the usual time."
    ),
}


def _no_regimen(request):
    messages.info(request, _("Your provider has not started a regimen for you yet."))
    return _back(request)


@role_required(Role.PATIENT, Role.CAREGIVER)
def tonight(request):
    patient = acting_patient(request, permission=Permission.PLAN, purpose=Purpose.VIEW_REGIMEN)
    today = local_today(patient)
    tonight = selectors.tonight_for(patient=patient, today=today)
    context = {"tonight": tonight, "today": today}
    if tonight is None:
        context["ended"] = selectors.regimens_of(patient=patient).first()
    else:
        context |= {
            "history": selectors.plan_history(regimen=tonight.regimen),
            "side_effect_form": SideEffectForm(regimen=tonight.regimen, today=today),
            "hold_form": HoldRequestForm(),
            "supply": supply_for(
                patient=patient,
                today=today,
                read=Read(
                    regimen=tonight.regimen,
                    medications=tonight.medications,
                    approved=tonight.approved,
                ),
            ),
            "supply_url": reverse("supply"),
        }
    return render(request, "regimens/patient/tonight.html", context)


def _back(request):
    """Where a dose-log or side-effect form returns: Tonight, or the diary for a caregiver
    who may keep the diary but not see the plan."""
    if request.user.is_caregiver:
        grant = current_grant(request)
        if grant is None or not grant.allows(Permission.PLAN):
            return redirect("diary")
    return redirect("tonight")


@require_POST
@role_required(Role.PATIENT, Role.CAREGIVER)
def dose_log(request):
    patient = acting_patient(request, permission=Permission.DIARY, purpose=Purpose.VIEW_REGIMEN)
    regimen = selectors.current_regimen(patient=patient)
    if regimen is None:
        return _no_regimen(request)
    form = DoseLogForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["status"][0])
        return _back(request)
    status = form.cleaned_data["status"]
    try:
        dose_log_mark(
            regimen=regimen, on=local_today(patient), status=status, recorded_by=request.user
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, LOGGED[status])
    return _back(request)


@role_required(Role.PATIENT, Role.CAREGIVER)
def tonight_side_effect(request):
    patient = acting_patient(request, permission=Permission.DIARY, purpose=Purpose.VIEW_REGIMEN)
    regimen = selectors.current_regimen(patient=patient)
    if regimen is None:
        return _no_regimen(request)
    form = SideEffectForm(request.POST or None, regimen=regimen, today=local_today(patient))
    if request.method == "POST" and form.is_valid():
        try:
            side_effect_report(regimen=regimen, entered_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you. Your care team will see it."))
            return _back(request)
    return render(request, "regimens/patient/side_effect.html", {"form": form})


@require_POST
@role_required(Role.PATIENT)
def hold_request(request):
    patient = own_patient(request.user)
    regimen = selectors.current_regimen(patient=patient)
    if regimen is None:
        return _no_regimen(request)
    form = HoldRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["note"][0])
        return redirect("tonight")
    try:
        regimen_request_hold(
            regimen=regimen, requested_by=request.user, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("Your care team sees your request and decides before the next step.")
        )
    return redirect("tonight")


CALENDAR_ACTIONS = {
    "create": (
        calendar_feeds.calendar_feed_create,
        gettext_lazy("Your calendar address is ready."),
    ),
    "regenerate": (
        calendar_feeds.calendar_feed_regenerate,
        gettext_lazy("A new address replaces the old one; the old one no longer works."),
    ),
    "revoke": (
        calendar_feeds.calendar_feed_revoke,
        gettext_lazy("The calendar address no longer works."),
    ),
}


@role_required(Role.PATIENT)
def calendar_settings(request):
    patient = own_patient(request.user)
    feed = selectors.calendar_feed_for(patient=patient)
    form = CalendarPreferenceForm(
        request.POST or None, initial={"include_dose": feed.include_dose if feed else False}
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in CALENDAR_ACTIONS:
            service, message = CALENDAR_ACTIONS[action]
            service(patient=patient)
            messages.success(request, message)
            return redirect("calendar_settings")
        if form.is_valid():
            calendar_feeds.calendar_feed_set_include_dose(
                patient=patient, include_dose=form.cleaned_data["include_dose"]
            )
            messages.success(request, _("Your calendar choice is saved."))
            return redirect("calendar_settings")
    url = None
    if feed is not None:
        url = request.build_absolute_uri(reverse("calendar_feed", args=[feed.token]))
    return render(
        request, "regimens/patient/calendar.html", {"feed": feed, "feed_url": url, "form": form}
    )
