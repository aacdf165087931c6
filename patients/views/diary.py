"""The patient's symptom diary: the diary page, one day's entry (new or changed), the
two-tap morning check-in, the 4-weekly PGIC, trends and the CSV download. Patients only
(403 otherwise), and only ever their own diary."""

import csv
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from patients import diary_selectors as diary
from patients.diary_export import diary_export_rows
from patients.diary_forms import DiaryEntryForm, MorningCheckinForm, PGICForm
from patients.diary_services import diary_entry_save, morning_checkin_record, pgic_record
from patients.models import PGICResponse
from patients.selectors import local_today, own_patient
from portal.accounts.models import Role
from portal.core.decorators import role_required
from regimens.views import add_service_errors


class DayConverter:
    """A diary day in an address: 2026-11-03."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError: the address does not match (404)

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(fallback)


@role_required(Role.PATIENT)
def diary_home(request):
    patient = own_patient(request.user)
    today = local_today(patient)
    page = Paginator(diary.timeline(patient=patient), diary.TIMELINE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today_entry = diary.diary_entry_on(patient=patient, day=today)
    context = {
        "patient": patient,
        "today": today,
        "page": page,
        "today_entry": today_entry,
        "morning_step": diary.morning_step(today_entry),
        "pgic_due": diary.pgic_due(patient=patient, today=today),
        "tags": diary.reported_tags(list(page.object_list)[:7]),
        "edit_days": diary.edit_days(),
    }
    return render(request, "patients/diary/index.html", context)


@role_required(Role.PATIENT)
def diary_today(request):
    patient = own_patient(request.user)
    today = local_today(patient)
    if diary.diary_entry_on(patient=patient, day=today):
        return redirect("diary_entry", day=today)
    return redirect("diary_new")


def _entry_form(request, patient, today, *, day=None, entry=None, data=None):
    regimen = diary.active_regimen(patient=patient)
    target = day or today
    log = diary.dose_log_on(regimen=regimen, day=target)
    form = DiaryEntryForm(
        data,
        questions=diary.diary_questions(patient=patient),
        today=today,
        day=day,
        entry=entry,
        ask_dose=diary.dose_loggable(regimen, target),
        dose_status=log.status if log else "",
    )
    return form, regimen


def _save(request, patient, today, form, regimen):
    """Save a valid form through the service; True when saved, else its refusal is on the form."""
    try:
        diary_entry_save(
            patient=patient,
            day=form.day,
            entered_by=request.user,
            today=today,
            values=form.entry_values(),
            dose_status=form.dose_status(),
            regimen=regimen,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(
        request,
        _("Your diary for %(day)s is saved.") % {"day": date_format(form.day, "j M")},
    )
    return True


@role_required(Role.PATIENT)
def diary_new(request):
    patient = own_patient(request.user)
    today = local_today(patient)
    asked = diary.parse_day(request.GET.get("day")) or (today if request.method == "GET" else None)
    if request.method == "GET" and diary.diary_entry_on(patient=patient, day=asked):
        messages.info(request, diary.already_written_message(asked))
        return redirect("diary_entry", day=asked)
    form, regimen = _entry_form(request, patient, today, data=request.POST or None)
    if request.method == "GET" and asked:
        form.initial["day"] = asked
    if request.method == "POST" and form.is_valid():
        existing = diary.diary_entry_on(patient=patient, day=form.day)
        if existing is not None:
            # Keep what was typed: show it on that day's entry, to save over it or not.
            messages.warning(request, diary.already_written_message(form.day, typed=True))
            form, regimen = _entry_form(
                request, patient, today, day=form.day, entry=existing, data=request.POST
            )
            form.is_valid()
            return _entry_page(request, form, today, entry=existing)
        if _save(request, patient, today, form, regimen):
            return redirect("diary")
    return _entry_page(request, form, today)


@role_required(Role.PATIENT)
def diary_entry(request, day):
    patient = own_patient(request.user)
    today = local_today(patient)
    entry = diary.diary_entry_on(patient=patient, day=day)
    if entry is None and request.method == "GET":
        return redirect(f"{reverse('diary_new')}?day={day.isoformat()}")
    form, regimen = _entry_form(
        request, patient, today, day=day, entry=entry, data=request.POST or None
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _save(request, patient, today, form, regimen)
    ):
        return redirect("diary")
    return _entry_page(request, form, today, entry=entry)


def _entry_page(request, form, today, *, entry=None):
    day = form.fixed_day
    context = {
        "form": form,
        "entry": entry,
        "day": day,
        "today": today,
        "read_only": day is not None and not diary.can_edit(day, today) and not form.is_bound,
        "edit_days": diary.edit_days(),
        "action": reverse("diary_entry", args=[day]) if day else reverse("diary_new"),
    }
    return render(request, "patients/diary/entry.html", context)


@require_POST
@role_required(Role.PATIENT)
def diary_morning(request):
    patient = own_patient(request.user)
    today = local_today(patient)
    form = MorningCheckinForm(request.POST)
    error = None
    if form.is_valid():
        entry = morning_checkin_record(
            patient=patient, today=today, entered_by=request.user, **form.values()
        )
    else:
        entry = diary.diary_entry_on(patient=patient, day=today)
        error = _("Tap one of the answers.")
    if request.headers.get("HX-Request") == "true":
        context = {
            "morning_step": diary.morning_step(entry),
            "error": error,
            "next": _back(request, "diary"),
        }
        return render(request, "patients/diary/partials/morning_checkin.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Thank you: it is in today's diary."))
    return redirect(_back(request, "diary"))


@role_required(Role.PATIENT)
def diary_pgic(request):
    patient = own_patient(request.user)
    today = local_today(patient)
    form = PGICForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pgic_record(
            patient=patient,
            score=form.cleaned_data["score"],
            entered_by=request.user,
            occasion=PGICResponse.Occasion.FOUR_WEEKLY,
            on=today,
        )
        messages.success(request, _("Thank you. Your answer is in your diary."))
        return redirect("diary")
    context = {
        "form": form,
        "due": diary.pgic_due(patient=patient, today=today),
        "answers": diary.pgic_answers(patient=patient)[:6],
    }
    return render(request, "patients/diary/pgic.html", context)


@require_safe
@role_required(Role.PATIENT)
def diary_trends(request):
    patient = own_patient(request.user)
    return trends_page(request, patient, base_url=reverse("diary_trends"))


def trends_page(request, patient, *, base_url: str, provider_view: bool = False):
    """The trends page for the patient or their care team (the callers check who may see it)."""
    days = diary.trend_range(request.GET.get("days"))
    trends = diary.trends_for(patient=patient, today=local_today(patient), days=days)
    context = {
        "patient": patient,
        "trends": trends,
        "ranges": diary.TREND_RANGES,
        "base_url": base_url,
        "provider_view": provider_view,
    }
    return render(request, "patients/diary/trends.html", context)


@require_safe
@role_required(Role.PATIENT)
def diary_export(request):
    return csv_download(own_patient(request.user))


def csv_download(patient) -> HttpResponse:
    """The patient's diary as CSV: a header row, then one row per day, no formulas."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    day = local_today(patient).isoformat()
    response["Content-Disposition"] = f'attachment; filename="ldn-diary-{day}.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    for row in diary_export_rows(patient=patient):
        writer.writerow(row)
    return response
