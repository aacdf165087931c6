"""What "Download my data" puts in the zip: the FHIR bundle, one CSV per table of the
patient's own rows, and the passport. Reads only; the service writes the request's
progress and keeps the result."""

import csv
import io
import json
import zipfile

from django.db.models import Model

from interop.fhir.bundle import everything, searchset
from interop.fhir.codes import Context
from interop.passport import passport_pdf, passport_read
from interop.selectors import record_read
from patients.models import (
    CheckIn,
    DiaryEntry,
    Flag,
    Medication,
    PGICResponse,
    SideEffectReport,
)
from patients.selectors.diary import csv_safe
from portal.audit.models import AccessEvent
from regimens.models import DoseLog, PausePlan, Regimen, RegimenEvent, TitrationStep


def _tables(patient) -> dict[str, object]:
    """Each table's rows of the patient, by the CSV file's name."""
    regimens = Regimen.objects.filter(patient=patient)
    return {
        "medications.csv": Medication.objects.filter(patient=patient),
        "diary.csv": DiaryEntry.objects.filter(patient=patient).order_by("local_date"),
        "pgic.csv": PGICResponse.objects.filter(patient=patient).order_by("answered_on"),
        "side_effect_reports.csv": SideEffectReport.objects.filter(patient=patient),
        "check_ins.csv": CheckIn.objects.filter(patient=patient).order_by("starts_at"),
        "flags.csv": Flag.objects.filter(patient=patient).order_by("raised_at"),
        "regimens.csv": regimens.order_by("started_on"),
        "titration_steps.csv": TitrationStep.objects.filter(regimen__in=regimens),
        "regimen_history.csv": RegimenEvent.objects.filter(regimen__in=regimens).order_by("at"),
        "dose_log.csv": DoseLog.objects.filter(regimen__in=regimens).order_by("on"),
        "planned_pauses.csv": PausePlan.objects.filter(patient=patient),
        "who_viewed_my_record.csv": AccessEvent.objects.filter(patient=patient).order_by("at"),
    }


def _csv(rows, model: type[Model]) -> str:
    fields = [f for f in model._meta.concrete_fields if f.attname != "content"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f.attname for f in fields])
    for row in rows.iterator():
        writer.writerow([csv_safe(_text(getattr(row, f.attname))) for f in fields])
    return out.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _profile_csv(patient) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["field", "value"])
    user = patient.user
    for name, value in (
        ("name", user.name),
        ("email", user.email),
        ("timezone", user.timezone),
        ("date_of_birth", patient.date_of_birth),
        ("bedtime", patient.bedtime),
        ("conditions", "; ".join(c.name for c in patient.conditions.all())),
        ("other_condition", patient.other_condition),
        ("pharmacy_name", patient.pharmacy_name),
        ("pharmacy_phone", patient.pharmacy_phone),
        ("off_label_acknowledged_at", patient.off_label_acknowledged_at),
        ("onboarded_at", patient.onboarded_at),
    ):
        writer.writerow([name, csv_safe(_text(value))])
    return out.getvalue()


README = """Everything the LDN Portal holds about you, as of the day this file was made.

record.fhir.json   your whole record as a FHIR R4 Bundle (the format health records use)
ldn-passport.pdf   your one-page LDN passport for other clinicians
csv/               one spreadsheet per table: your profile, medications, diary, PGIC answers,
                   side effects, check-ins, flags, LDN plans, steps, plan history, dose log,
                   planned pauses, and who viewed your record
"""


def build_zip(patient, *, site: str, progress) -> bytes:
    """The zip's bytes; `progress(percent, step)` is called as each part is done."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README)
        progress(10, "Your record in FHIR")
        ctx = Context(site=site)
        bundle = searchset(
            everything(record_read(patient), ctx),
            base=site + "/fhir",
            self_url=f"{site}/fhir/Patient/{patient.pk}/$everything",
        )
        archive.writestr("record.fhir.json", json.dumps(bundle, indent=1))
        progress(50, "Your tables")
        archive.writestr("csv/profile.csv", _profile_csv(patient))
        for name, rows in _tables(patient).items():
            archive.writestr(f"csv/{name}", _csv(rows, rows.model))
        progress(80, "Your LDN passport")
        archive.writestr("ldn-passport.pdf", passport_pdf(passport_read(patient)))
    return buffer.getvalue()
