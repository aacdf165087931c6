"""Reads for the record leaving the portal: the rows of a patient's FHIR resources, read in a
fixed number of queries, and the patient an API token or a viewer may open."""

from django.db.models import Prefetch
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from interop.fhir.record import Record
from interop.models import DataExport
from messaging.models import Attachment, Conversation, Message
from patients.models import (
    CaregiverGrant,
    CareTeamMembership,
    CheckIn,
    DiaryEntry,
    Patient,
    PGICResponse,
)
from portal.accounts.models import User
from portal.lib.timing import local_today
from regimens.models import Regimen, SupplyFill, TitrationStep


def record_read(patient: Patient) -> Record:
    """Everything the FHIR resources of `patient` are made from (the caller has already
    decided that the viewer may read it and written the access event)."""
    patient = (
        Patient.objects.select_related("user")
        .prefetch_related("conditions", "medications")
        .get(pk=patient.pk)
    )
    care_team = [
        m.provider
        for m in CareTeamMembership.objects.filter(patient=patient, until__isnull=True)
        .select_related("provider")
        .order_by("since")
    ]
    regimens = list(
        Regimen.objects.filter(patient=patient)
        .select_related("protocol")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=TitrationStep.objects.order_by("sequence"),
                to_attr="step_list",
            )
        )
        .order_by("started_on", "pk")
    )
    diary = list(DiaryEntry.objects.filter(patient=patient).order_by("local_date"))
    pgic = list(PGICResponse.objects.filter(patient=patient).order_by("answered_on", "pk"))
    checkins = list(CheckIn.objects.filter(patient=patient).order_by("starts_at", "pk"))
    conversations = list(
        Conversation.objects.filter(patient=patient)
        .order_by("created_at", "pk")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.order_by("sent_at", "pk").prefetch_related(
                    Prefetch(
                        "attachments",
                        queryset=Attachment.objects.order_by("pk"),
                        to_attr="attachment_list",
                    )
                ),
                to_attr="message_list",
            )
        )
    )
    caregivers = list(CaregiverGrant.objects.filter(patient=patient).order_by("since", "pk"))
    fills = list(SupplyFill.objects.filter(patient=patient).order_by("on", "pk"))
    user_ids = {patient.user_id, *(r.started_by_id for r in regimens)}
    user_ids |= {e.entered_by_id for e in diary} | {p.entered_by_id for p in pgic}
    user_ids |= {c.provider_id for c in checkins if c.provider_id}
    user_ids |= {m.sender_id for c in conversations for m in c.message_list}
    user_ids |= {g.caregiver_id for g in caregivers}
    names = {
        pk: name or email
        for pk, name, email in User.objects.filter(pk__in=user_ids).values_list(
            "pk", "name", "email"
        )
    }
    return Record(
        patient=patient,
        today=local_today(patient),
        conditions=sorted(patient.conditions.all(), key=lambda c: (c.sort_order, c.name)),
        care_team=care_team,
        medications=sorted(patient.medications.all(), key=lambda m: (m.created_at, m.pk)),
        regimens=regimens,
        diary=diary,
        pgic=pgic,
        checkins=checkins,
        names=names,
        conversations=conversations,
        caregivers=caregivers,
        fills=fills,
    )


def connected_apps(user) -> list[dict]:
    """The apps holding a token of `user` that still works: name, scopes, since when."""
    from_tokens = {}
    tokens = (
        get_access_token_model()
        .objects.filter(user=user, expires__gt=timezone.now())
        .select_related("application")
        .order_by("created")
    )
    for token in tokens:
        if token.application is None:
            continue
        app = from_tokens.setdefault(
            token.application_id,
            {"pk": token.application_id, "name": token.application.name, "scopes": set()},
        )
        app.setdefault("since", token.created)
        app["scopes"] |= set(token.scope.split())
    refresh = (
        get_refresh_token_model()
        .objects.filter(user=user, revoked__isnull=True)
        .select_related("application")
    )
    for token in refresh:
        app = from_tokens.setdefault(
            token.application_id,
            {"pk": token.application_id, "name": token.application.name, "scopes": set()},
        )
        app.setdefault("since", token.created)
    for app in from_tokens.values():
        app["scopes"] = sorted(app["scopes"])
    return sorted(from_tokens.values(), key=lambda a: a["name"].lower())


def data_exports(patient: Patient):
    """The patient's download requests, newest first (without the zips themselves)."""
    return DataExport.objects.filter(patient=patient).defer("content")
