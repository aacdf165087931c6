"""What "Download my data" puts in the zip: the FHIR bundle, one CSV per table of the
patient's own rows, and the passport. Reads only; the service writes the request's
progress and keeps the result."""

import csv
import io
import json
import zipfile

from django.db.models import Model
from django.utils import translation

from interop.fhir.bundle import everything, searchset
from interop.fhir.codes import Context
from interop.passport import passport_pdf, passport_read
from interop.selectors import record_read
from messaging.models import Conversation, Message
from patients.models import (
    CaregiverGrant,
    CheckIn,
    DiaryEntry,
    Flag,
    Medication,
    PGICResponse,
    SideEffectReport,
)
from patients.selectors.diary import csv_safe
from portal.audit.models import AccessEvent
from portal.content.selectors import articles_read
from regimens.models import (
    DoseLog,
    PausePlan,
    RefillRequest,
    Regimen,
    RegimenEvent,
    SupplyFill,
    TitrationStep,
)


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
        "supply_fills.csv": SupplyFill.objects.filter(patient=patient).order_by("on", "pk"),
        "refill_requests.csv": RefillRequest.objects.filter(patient=patient).order_by(
            "requested_at", "pk"
        ),
        "conversations.csv": Conversation.objects.filter(patient=patient).order_by(
            "created_at", "pk"
        ),
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


def _rows_csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(_text(value)) for value in row])
    return out.getvalue()


def _messages_csv(patient) -> str:
    """Every message of the patient's conversations with its text (left empty once withdrawn,
    as the portal shows it) and its attachments' names (the files stay in the portal)."""
    messages = (
        Message.objects.filter(conversation__patient=patient)
        .select_related("sender")
        .prefetch_related("attachments")
        .order_by("conversation_id", "sent_at", "pk")
    )
    return _rows_csv(
        [
            "id",
            "conversation_id",
            "sent_at",
            "sender",
            "from_patient",
            "urgent",
            "withdrawn_at",
            "body",
            "attachments",
        ],
        (
            [
                m.pk,
                m.conversation_id,
                m.sent_at,
                m.sender.name or m.sender.email,
                m.from_patient,
                m.urgent,
                m.withdrawn_at,
                "" if m.is_withdrawn else m.body,
                "; ".join(a.name for a in sorted(m.attachments.all(), key=lambda a: a.pk)),
            ]
            for m in messages
        ),
    )


def _caregivers_csv(patient) -> str:
    """Whom the patient let see or keep their record, what each could do, and when."""
    grants = (
        CaregiverGrant.objects.filter(patient=patient)
        .select_related("caregiver")
        .order_by("since", "pk")
    )
    return _rows_csv(
        [
            "id",
            "caregiver",
            "caregiver_email",
            "can_see_plan",
            "can_keep_diary",
            "can_message",
            "can_see_trends",
            "remind_dose",
            "remind_diary",
            "since",
            "ended_at",
        ],
        (
            [
                g.pk,
                g.caregiver.name,
                g.caregiver.email,
                g.can_see_plan,
                g.can_keep_diary,
                g.can_message,
                g.can_see_trends,
                g.remind_dose,
                g.remind_diary,
                g.since,
                g.ended_at,
            ]
            for g in grants
        ),
    )


def _articles_read_csv(patient, site: str) -> str:
    """The library articles the patient opened (their own reading only): title, first and
    last read, and the article's address."""
    rows = []
    for read in articles_read(reader=patient.user):
        article = read.article
        title = article.live_version.title if article.live_version else article.title
        rows.append(
            (title, read.first_read_at, read.last_read_at, site + article.get_absolute_url())
        )
    return _rows_csv(["title", "first_read", "last_read", "link"], rows)


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
                   planned pauses, supply fills, refill requests, conversations, messages
                   (attachments by name; the files stay in the portal), caregivers, the
                   library articles you read (when first and last), and who viewed your
                   record
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
        archive.writestr("csv/messages.csv", _messages_csv(patient))
        archive.writestr("csv/caregivers.csv", _caregivers_csv(patient))
        archive.writestr("csv/articles_read.csv", _articles_read_csv(patient, site))
        progress(80, "Your LDN passport")
        # Built by the worker, for the patient who asked: in their language.
        with translation.override(patient.user.message_language):
            passport = passport_pdf(passport_read(patient))
        archive.writestr("ldn-passport.pdf", passport)
    return buffer.getvalue()
