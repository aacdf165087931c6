"""The LDN passport: one A4 page a patient hands to any clinician (an emergency department,
a surgeon, a pharmacist). What it says about opioids, surgery and emergencies follows
docs/clinical-rules.md §2.5, §2.8 and §9.1; the numbers are the settings'."""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from weasyprint import HTML

from patients.models import CareTeamMembership, Patient
from portal.lib.formats import day, mg
from portal.lib.timing import local_today
from regimens.models import Regimen


@dataclass
class Passport:
    name: str
    born: str
    conditions: list[str]
    dose: str  # "1.5 mg" or a sentence when there is no open regimen
    formulation: str
    dose_time: str
    status: str
    pharmacy: str
    care_team: list[str] = field(default_factory=list)
    opioids: list[str] = field(default_factory=list)
    stop_days: int = 3
    washout_days: int = 10
    maintenance_washout_days: int = 14
    made_on: str = ""


def passport_read(patient: Patient, *, today: date | None = None) -> Passport:
    """The passport's facts (the caller has resolved who may see the record), in the active
    language: the reader's, as the PDF's template is."""
    patient = Patient.objects.select_related("user").get(pk=patient.pk)
    today = today or local_today(patient)
    regimen = (
        Regimen.objects.filter(patient=patient, status__in=Regimen.OPEN)
        .select_related("protocol")
        .prefetch_related("steps")
        .first()
    )
    if regimen and regimen.current_step:
        step = regimen.current_step
        dose = _("%(dose)s mg once a day") % {"dose": mg(step.dose_mg)}
        dose_time = step.get_dose_time_display()
        formulation = regimen.formulation_label
        status = (
            _("Paused by the care team since %(day)s") % {"day": day(regimen.paused_on)}
            if regimen.status == Regimen.Status.PAUSED and regimen.paused_on
            else _("Taking LDN")
        )
    else:
        dose, dose_time, formulation = _("No LDN plan open in the portal"), "", ""
        status = _("Not on an LDN plan in the portal")
    team = [
        f"{m.provider.name or m.provider.email} ({m.provider.email})"
        for m in CareTeamMembership.objects.filter(patient=patient, until__isnull=True)
        .select_related("provider")
        .order_by("since")
    ]
    conditions = [c.name for c in patient.conditions.order_by("sort_order", "name")]
    if patient.other_condition:
        conditions.append(patient.other_condition)
    pharmacy = " · ".join(p for p in (patient.pharmacy_name, patient.pharmacy_phone) if p)
    opioids = [
        m.name
        for m in patient.medications.filter(screening="block")
        if not (m.stopped_on and m.stopped_on < today)
    ]
    ldn = settings.LDN
    return Passport(
        name=patient.user.name or patient.user.email,
        born=day(patient.date_of_birth) if patient.date_of_birth else _("not given"),
        conditions=conditions,
        dose=dose,
        formulation=formulation,
        dose_time=dose_time,
        status=status,
        pharmacy=pharmacy or _("not given"),
        care_team=team,
        opioids=opioids,
        stop_days=ldn["STOP_BEFORE_PROCEDURE_DAYS"],
        washout_days=ldn["OPIOID_WASHOUT_DAYS"],
        maintenance_washout_days=ldn["MAINTENANCE_OPIOID_WASHOUT_DAYS"],
        made_on=day(today),
    )


def passport_pdf(passport: Passport) -> bytes:
    html = render_to_string("interop/passport.html", {"p": passport})
    return HTML(string=html).write_pdf()
