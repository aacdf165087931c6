"""The patient's symptom diary: the diary page, one day's entry (new or changed), the
two-tap morning check-in, the 4-weekly PGIC, trends and the CSV download. Patients only
(403 otherwise), and only ever their own diary."""

import csv
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from patients.forms.diary import SEVERITY_CHOICES, DiaryEntryForm, MorningCheckinForm, PGICForm
from patients.models import PGICResponse
from patients.selectors import diary
from patients.selectors import trends as trend_selectors
from patients.selectors.care import Permission, acting_patient
from patients.selectors.records import Purpose, own_patient
from patients.services.diary import diary_day_save, diary_entry_save, morning_checkin_record
from patients.services.pgic import pgic_record
from portal.accounts.decorators import role_required
from portal.accounts.models import Role
from portal.lib.formats import short_day
from portal.lib.forms import add_service_errors
from portal.lib.redirects import safe_next
from portal.lib.timing import local_today


class DayConverter:
    """A diary day in an address: 2026-11-03."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError: the address does not match (404)

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


def _diary_patient(request):
    """The patient whose diary this is: the patient, or the one a caregiver with the diary
    permission is on (404 otherwise)."""
    return acting_patient(request, permission=Permission.DIARY, purpose=Purpose.VIEW_DIARY)


@role_required(Role.PATIENT, Role.CAREGIVER)
def diary_home(request):
    patient = _diary_patient(request)
    today = local_today(patient)
    page = diary.timeline_page(patient=patient, page=request.GET.get("page"))
    today_entry = diary.diary_entry_on(patient=patient, day=today)
    context = {
        "patient": patient,
        "today": today,
        "page": page,
        "today_entry": today_entry,
        "morning_step": diary.morning_step(today_entry),
        # The PGIC asks the patient's own impression: never a caregiver's.
        "pgic_due": request.user.is_patient and diary.pgic_due(patient=patient, today=today),
        "tags": diary.reported_tags(list(page.object_list)[:7]),
        "edit_days": diary.edit_days(),
    }
    return render(request, "patients/diary/index.html", context)


@role_required(Role.PATIENT, Role.CAREGIVER)
def diary_today(request):
    patient = _diary_patient(request)
    today = local_today(patient)
    if diary.diary_entry_on(patient=patient, day=today):
        return redirect("diary_entry", day=today)
    return redirect("diary_new")


def _entry_form(request, patient, today, *, day=None, entry=None, data=None):
    question = diary.dose_question(patient=patient, day=day or today)
    return DiaryEntryForm(
        data,
        questions=diary.diary_questions(patient=patient),
        today=today,
        day=day,
        entry=entry,
        ask_dose=question is not None,
        dose_status=question.logged if question else "",
        written_days=diary.written_days(patient=patient, today=today) if day is None else (),
    )


def _fill_same_as_day_before(request, patient, form, day) -> None:
    """ "Same as yesterday": the day before's scores and side effects fill what is not
    answered yet, for the patient to review and save."""
    if request.method != "GET" or not request.GET.get("same"):
        return
    values = diary.same_as_day_before(patient=patient, day=day)
    if not values:
        messages.info(request, _("There is no entry for the day before to copy."))
        return
    for name, value in values.items():
        if name in form.fields and form.initial.get(name) in (None, ""):
            form.initial[name] = value
    messages.info(
        request,
        _("The day before's answers are filled in: check them, change what differs, then save."),
    )


def _save(request, patient, today, form):
    """Save a valid form through the service; True when saved, else its refusal is on the form."""
    try:
        diary_entry_save(
            patient=patient,
            day=form.day,
            entered_by=request.user,
            today=today,
            values=form.entry_values(),
            dose_status=form.dose_status(),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(
        request,
        _("Your diary for %(day)s is saved.") % {"day": short_day(form.day)},
    )
    return True


@role_required(Role.PATIENT, Role.CAREGIVER)
def diary_new(request):
    patient = _diary_patient(request)
    today = local_today(patient)
    earlier = request.method == "GET" and bool(request.GET.get("earlier"))
    asked = diary.parse_day(request.GET.get("day"))
    if request.method == "GET" and asked is None:
        asked = (
            diary.earliest_unwritten(
                today=today, written=diary.written_days(patient=patient, today=today)
            )
            if earlier
            else today
        )
    if not earlier and request.method == "GET" and diary.diary_entry_on(patient=patient, day=asked):
        messages.info(request, diary.already_written_message(asked))
        return redirect("diary_entry", day=asked)
    form = _entry_form(request, patient, today, data=request.POST or None)
    if request.method == "GET" and asked:
        form.initial["day"] = asked
        _fill_same_as_day_before(request, patient, form, asked)
    if request.method == "POST" and form.is_valid():
        existing = diary.diary_entry_on(patient=patient, day=form.day)
        if existing is not None:
            # Keep what was typed: show it on that day's entry, to save over it or not.
            messages.warning(request, diary.already_written_message(form.day, typed=True))
            form = _entry_form(
                request, patient, today, day=form.day, entry=existing, data=request.POST
            )
            form.is_valid()
            return _entry_page(request, form, today, entry=existing)
        if _save(request, patient, today, form):
            return redirect("diary")
    return _entry_page(request, form, today)


def _post_entry(request, patient, today, day):
    """Save a day's entry from the form. The form is built inside the save, from what it
    read of the day under the patient's lock (the entry, the questions, the dose log): one
    read serves the form, the flags and the status row."""
    form = None

    def answers(read):
        nonlocal form
        form = DiaryEntryForm(
            request.POST,
            questions=read.questions,
            today=today,
            day=day,
            entry=read.entry,
            ask_dose=read.dose_question is not None,
            dose_status=read.dose_question.logged if read.dose_question else "",
        )
        return (form.entry_values(), form.dose_status()) if form.is_valid() else None

    try:
        saved = diary_day_save(
            patient=patient, day=day, entered_by=request.user, today=today, answers=answers
        )
    except ValidationError as error:
        add_service_errors(form, error)
        saved = None
    if saved is not None:
        messages.success(
            request, _("Your diary for %(day)s is saved.") % {"day": short_day(form.day)}
        )
        return redirect("diary")
    return _entry_page(request, form, today, entry=form.entry)


@role_required(Role.PATIENT, Role.CAREGIVER)
def diary_entry(request, day):
    patient = _diary_patient(request)
    today = local_today(patient)
    if request.method == "POST":
        return _post_entry(request, patient, today, day)
    entry = diary.diary_entry_on(patient=patient, day=day)
    if entry is None and request.method == "GET":
        return redirect(f"{reverse('diary_new')}?day={day.isoformat()}")
    form = _entry_form(request, patient, today, day=day, entry=entry)
    _fill_same_as_day_before(request, patient, form, day)
    return _entry_page(request, form, today, entry=entry)


def _entry_page(request, form, today, *, entry=None):
    day = form.fixed_day
    shown_day = day or form.initial.get("day") or today
    if day:
        same_url = f"{reverse('diary_entry', args=[day])}?same=1"
    else:
        same_url = f"{reverse('diary_new')}?day={shown_day.isoformat()}&same=1"
    context = {
        "same_url": same_url,
        "same_is_yesterday": shown_day == today,
        "day_field": form["day"] if "day" in form.fields else None,
        "severity_choices": SEVERITY_CHOICES,
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
@role_required(Role.PATIENT, Role.CAREGIVER)
def diary_morning(request):
    patient = _diary_patient(request)
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
            "next": safe_next(request, default=reverse("diary")),
        }
        return render(request, "patients/diary/partials/morning_checkin.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Thank you: it is in today's diary."))
    return redirect(safe_next(request, default=reverse("diary")))


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
@role_required(Role.PATIENT, Role.CAREGIVER)
def diary_trends(request):
    patient = acting_patient(request, permission=Permission.TRENDS, purpose=Purpose.VIEW_TRENDS)
    return render_trends(request, patient, base_url=reverse("diary_trends"))


def render_trends(request, patient, *, base_url: str, provider_view: bool = False):
    """The trends page for the patient or their care team (the callers resolve who may see
    it)."""
    today = local_today(patient)
    started = trend_selectors.latest_regimen_started_on(patient=patient, today=today)
    default = trend_selectors.default_trend_range(patient=patient, today=today, started=started)
    days = trend_selectors.trend_range(request.GET.get("days"), default=default)
    trends = trend_selectors.trends_for(patient=patient, today=today, days=days, started=started)
    context = {
        "patient": patient,
        "trends": trends,
        "ranges": trend_selectors.TREND_RANGES,
        "chart_measures": trend_selectors.CHART_MEASURES,
        "base_url": base_url,
        "provider_view": provider_view,
    }
    return render(request, "patients/diary/trends.html", context)


@require_safe
@role_required(Role.PATIENT, Role.CAREGIVER)
def diary_export(request):
    return diary_csv_response(
        acting_patient(request, permission=Permission.DIARY, purpose=Purpose.EXPORT_DIARY)
    )


def diary_csv_response(patient) -> HttpResponse:
    """The patient's diary as CSV: a header row, then one row per day, no formulas."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    day = local_today(patient).isoformat()
    response["Content-Disposition"] = f'attachment; filename="ldn-diary-{day}.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    for row in diary.diary_export_rows(patient=patient):
        writer.writerow(row)
    return response
