"""The visit summary a provider prints before a check-in: dose history, side effects, the
trends as a server-drawn chart, PGIC answers, open flags and the patient's open questions.
One PDF (WeasyPrint); the caller has resolved who may read the record."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from weasyprint import HTML

from interop.rules.charts import trend_svg
from patients.models import CheckIn, DiaryEntry, Flag, Patient, PGICResponse
from patients.rules.side_effects import ITEMS, MILD, Severity
from portal.lib.formats import day, mg
from portal.lib.timing import local_today
from regimens.models import PausePlan, Regimen

DAYS = 90  # the summary's window: the last 90 days


@dataclass
class Summary:
    name: str
    born: str
    conditions: list[str]
    first: str
    last: str
    regimen: str = ""
    dose_history: list[tuple[str, str]] = field(default_factory=list)
    side_effects: list[tuple[str, int, str]] = field(default_factory=list)
    chart: str = ""
    pgic: list[tuple[str, str]] = field(default_factory=list)
    flags: list[tuple[str, str, str]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    diary_days: int = 0


def summary_read(patient: Patient) -> Summary:
    patient = Patient.objects.select_related("user").get(pk=patient.pk)
    today = local_today(patient)
    first = today - timedelta(days=DAYS - 1)
    diary = list(
        DiaryEntry.objects.filter(patient=patient, local_date__gte=first).order_by("local_date")
    )
    summary = Summary(
        name=patient.user.name or patient.user.email,
        born=day(patient.date_of_birth) if patient.date_of_birth else "not given",
        conditions=[c.name for c in patient.conditions.all()],
        first=day(first),
        last=day(today),
        diary_days=len(diary),
    )
    regimen = (
        Regimen.objects.filter(patient=patient)
        .select_related("protocol")
        .prefetch_related("steps", "events")
        .first()
    )
    if regimen:
        summary.regimen = _("%(protocol)s; %(formulation)s; %(status)s since %(day)s") % {
            "protocol": regimen.protocol.name,
            "formulation": regimen.formulation_label,
            "status": regimen.get_status_display().lower(),
            "day": day(regimen.started_on),
        }
        for event in sorted(regimen.events.all(), key=lambda e: (e.at, e.pk)):
            change = ""
            if event.to_mg is not None:
                change = (
                    f"{mg(event.from_mg)} → {mg(event.to_mg)} mg"
                    if event.from_mg is not None
                    else f"{mg(event.to_mg)} mg"
                )
            words = ", ".join(
                w for w in (change, event.get_reason_display() if event.reason else "") if w
            )
            when = event.effective_on or event.at.date()
            summary.dose_history.append((day(when), f"{event.get_kind_display()} {words}".strip()))
    for item in ITEMS:
        values = [getattr(e, item.field) for e in diary if getattr(e, item.field) is not None]
        days_with = sum(v >= MILD for v in values)
        if days_with:
            worst = max(values)
            label = str(Severity(worst).label).lower() if worst in Severity.values else ""
            summary.side_effects.append((str(item.name), days_with, label))
    series = {
        _("Pain"): [(e.local_date, e.pain) for e in diary if e.pain is not None],
        _("Fatigue"): [(e.local_date, e.fatigue) for e in diary if e.fatigue is not None],
        _("Sleep quality"): [
            (e.local_date, e.sleep_quality) for e in diary if e.sleep_quality is not None
        ],
        _("Mood"): [(e.local_date, e.mood) for e in diary if e.mood is not None],
    }
    summary.chart = mark_safe(trend_svg(series, first=first, last=today))  # noqa: S308 (built here)
    summary.pgic = [
        (day(a.answered_on), f"{a.score}: {a.get_score_display()}")
        for a in PGICResponse.objects.filter(patient=patient).order_by("-answered_on")[:6]
    ]
    summary.flags = [
        (f.get_severity_display(), f.get_kind_display(), f.reason)
        for f in Flag.objects.filter(patient=patient, resolved_at__isnull=True)
    ]
    open_regimen = Regimen.objects.filter(patient=patient, status__in=Regimen.OPEN).first()
    if open_regimen and open_regimen.hold_requested_at:
        note = open_regimen.hold_request_note or _("no note")
        summary.questions.append(_("Asked to stay on the current dose (%(note)s)") % {"note": note})
    for checkin in CheckIn.objects.filter(patient=patient, status__in=["booked", "reschedule"]):
        if checkin.patient_message:
            summary.questions.append(
                _("About the check-in on %(day)s: %(message)s")
                % {"day": day(checkin.starts_at.date()), "message": checkin.patient_message}
            )
        elif checkin.status == "reschedule":
            summary.questions.append(
                _("Asked for another time than %(day)s") % {"day": day(checkin.starts_at.date())}
            )
    for plan in PausePlan.objects.filter(patient=patient, status=PausePlan.Status.PROPOSED):
        summary.questions.append(
            _("A pause of LDN waits for a decision: %(kind)s, no LDN from %(day)s")
            % {"kind": plan.get_kind_display().lower(), "day": day(plan.pause_from)}
        )
    return summary


def summary_pdf(summary: Summary) -> bytes:
    return HTML(string=render_to_string("interop/visit_summary.html", {"s": summary})).write_pdf()
