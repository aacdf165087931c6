"""Message pages. Patients: their conversations, a new one (from any page's "Ask my care
team"), a conversation. Providers: the care team's inbox, a conversation, assigning,
closing and reopening, writing to a patient. Caregivers whose grant includes messages: the
patient's pages, for the patient they are on in the switcher, as themselves. Only the
patient, those caregivers and the providers on the patient's care team see a conversation
(404 for anyone else, caregivers without the permission included; other roles 403)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from messaging.forms.conversations import AssignForm, ConversationForm, ReplyForm
from messaging.models import Topic
from messaging.rules import may_withdraw, safety_words_in
from messaging.selectors import conversations as selectors
from messaging.selectors.context import question_context
from messaging.services import conversations as services
from patients.selectors.care import Permission, acting_patient, current_grant
from patients.selectors.records import Purpose, own_patient, patient_for
from portal.accounts.decorators import role_required
from portal.accounts.models import Role
from portal.lib.forms import add_service_errors


def _safety_words(body: str) -> list[str]:
    return safety_words_in(body or "", settings.MESSAGES["SAFETY_WORDS"])


def _needs_guidance(request, form) -> bool:
    """A patient's message with a safety word is sent only after the emergency guidance has
    been shown (the form comes back once with it); it is then flagged urgent."""
    return (
        request.user.role in (Role.PATIENT, Role.CAREGIVER)
        and bool(_safety_words(form.cleaned_data.get("body", "")))
        and not form.cleaned_data.get("safety_acknowledged")
    )


def _common(request) -> dict:
    return {"reply_promise": settings.MESSAGES["REPLY_PROMISE"]}


def _caring_for(request):
    """For a caregiver: the patient they are on, when their grant includes messages (404
    otherwise, read on every request); None for anyone else."""
    if request.user.role != Role.CAREGIVER:
        return None
    grant = current_grant(request)
    if grant is None or not grant.allows(Permission.MESSAGES):
        raise Http404
    return grant.patient


# Patients and their caregivers ------------------------------------------------------------


@role_required(Role.PATIENT, Role.CAREGIVER)
def message_list(request):
    caring_for = None
    if request.user.role == Role.CAREGIVER:
        caring_for = acting_patient(
            request, permission=Permission.MESSAGES, purpose=Purpose.VIEW_MESSAGES
        )
    status = "closed" if request.GET.get("status") == "closed" else "open"
    page, rows = selectors.inbox_page(
        viewer=request.user, status=status, page=request.GET.get("page"), caring_for=caring_for
    )
    return render(
        request,
        "messaging/patient_list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "caring_for": caring_for,
            **_common(request),
        },
    )


@role_required(Role.PATIENT, Role.CAREGIVER)
def conversation_new(request):
    if request.user.role == Role.CAREGIVER:
        patient = acting_patient(
            request, permission=Permission.MESSAGES, purpose=Purpose.VIEW_MESSAGES
        )
    else:
        patient = own_patient(request.user)
    source = request.POST if request.method == "POST" else request.GET
    about = question_context(
        patient=patient,
        viewer=request.user,
        about=source.get("about", ""),
        day=source.get("day", ""),
        ref=source.get("id"),
    )
    initial = {"topic": about.topic or Topic.OTHER, "subject": about.label[:150]}
    form = ConversationForm(request.POST or None, request.FILES or None, initial=initial)
    guidance = False
    if request.method == "POST" and form.is_valid():
        if _needs_guidance(request, form):
            guidance = True
        else:
            try:
                conversation = services.conversation_start(
                    patient=patient,
                    started_by=request.user,
                    subject=form.cleaned_data["subject"],
                    topic=form.cleaned_data["topic"],
                    body=form.cleaned_data["body"],
                    files=form.cleaned_data["files"],
                    context_kind=about.kind,
                    context_label=about.label,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Sent. Your care team answers %(promise)s.")
                    % {"promise": settings.MESSAGES["REPLY_PROMISE"]},
                )
                return redirect("conversation_detail", pk=conversation.pk)
    return render(
        request,
        "messaging/new.html",
        {
            "form": form,
            "about": about,
            "about_params": {
                "about": source.get("about", ""),
                "day": source.get("day", ""),
                "id": source.get("id", ""),
            },
            "guidance": guidance,
            "caring_for": patient if request.user.role == Role.CAREGIVER else None,
            **_common(request),
        },
    )


# Providers ------------------------------------------------------------------------------


@role_required(Role.PROVIDER)
def provider_inbox(request):
    status = request.GET.get("status", "open")
    if status not in selectors.FILTERS:
        status = "open"
    page, rows = selectors.inbox_page(
        viewer=request.user, status=status, page=request.GET.get("page")
    )
    return render(
        request,
        "messaging/provider_inbox.html",
        {"page": page, "rows": rows, "status": status, "filters": _filters()},
    )


def _filters():
    return [
        ("open", _("Open")),
        ("unread", _("Unread")),
        ("waiting", _("Waiting for our reply")),
        ("mine", _("Assigned to me")),
        ("closed", _("Closed")),
    ]


@role_required(Role.PROVIDER)
def provider_conversation_new(request, pk):
    patient = patient_for(request.user, pk, purpose=Purpose.VIEW_MESSAGES, path=request.path)
    form = ConversationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.conversation_start(
                patient=patient,
                started_by=request.user,
                subject=form.cleaned_data["subject"],
                topic=form.cleaned_data["topic"],
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Sent to the patient."))
            return redirect("conversation_detail", pk=conversation.pk)
    return render(request, "messaging/new.html", {"form": form, "patient": patient})


# Both ------------------------------------------------------------------------------------


@role_required(Role.PATIENT, Role.CAREGIVER, Role.PROVIDER)
def conversation_detail(request, pk):
    conversation = selectors.conversation_for(
        request.user, pk, path=request.path, caring_for=_caring_for(request)
    )
    form = ReplyForm(request.POST or None, request.FILES or None)
    guidance = False
    if request.method == "POST" and form.is_valid():
        if _needs_guidance(request, form):
            guidance = True
        else:
            try:
                services.message_send(
                    conversation=conversation,
                    sender=request.user,
                    body=form.cleaned_data["body"],
                    files=form.cleaned_data["files"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Message sent."))
                return redirect("conversation_detail", pk=conversation.pk)
    elif request.method == "POST" and conversation.is_closed:
        form.add_error("body", _("This conversation is closed. Reopen it or start a new one."))
    page, thread = selectors.thread_page(conversation=conversation, page=request.GET.get("page"))
    now = timezone.now()
    if page.number == 1:
        services.conversation_mark_read(conversation=conversation, user=request.user, now=now)
    window = settings.MESSAGES["WITHDRAW_MINUTES"]
    for message in thread:
        message.can_withdraw = (
            message.sender_id == request.user.pk
            and not message.is_withdrawn
            and may_withdraw(sent_at=message.sent_at, now=now, minutes=window)
        )
    context = {
        "conversation": conversation,
        "page": page,
        "thread": thread,
        "form": form,
        "guidance": guidance,
        **_common(request),
    }
    if request.user.role == Role.PROVIDER:
        team = selectors.care_team_of(conversation)
        context["assign_form"] = AssignForm(
            team=team, initial={"assigned_to": conversation.assigned_to_id}
        )
    return render(request, "messaging/conversation.html", context)


@require_POST
@role_required(Role.PATIENT, Role.CAREGIVER, Role.PROVIDER)
def message_withdraw(request, pk, message_pk):
    conversation = selectors.conversation_for(
        request.user, pk, path=request.path, caring_for=_caring_for(request)
    )
    message = selectors.message_for(request.user, message_pk, conversation=conversation)
    try:
        services.message_withdraw(message=message, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Message withdrawn."))
    return redirect("conversation_detail", pk=conversation.pk)


@require_GET
@role_required(Role.PATIENT, Role.CAREGIVER, Role.PROVIDER)
def attachment_download(request, pk, attachment_pk):
    conversation = selectors.conversation_for(
        request.user, pk, path=request.path, caring_for=_caring_for(request)
    )
    attachment = selectors.attachment_for(request.user, attachment_pk, conversation=conversation)
    if attachment.message.is_withdrawn:
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


@require_POST
@role_required(Role.PROVIDER)
def conversation_assign(request, pk):
    conversation = selectors.conversation_for(request.user, pk, path=request.path)
    form = AssignForm(request.POST, team=selectors.care_team_of(conversation))
    if form.is_valid():
        try:
            services.conversation_assign(
                conversation=conversation, to=form.provider(), by=request.user
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Assignment saved."))
    else:
        messages.error(request, _("Choose someone on the patient's care team."))
    return redirect("conversation_detail", pk=conversation.pk)


@require_POST
@role_required(Role.PROVIDER)
def conversation_close(request, pk):
    conversation = selectors.conversation_for(request.user, pk, path=request.path)
    services.conversation_close(conversation=conversation, by=request.user)
    messages.success(request, _("Conversation closed."))
    return redirect("conversation_detail", pk=conversation.pk)


@require_POST
@role_required(Role.PROVIDER)
def conversation_reopen(request, pk):
    conversation = selectors.conversation_for(request.user, pk, path=request.path)
    services.conversation_reopen(conversation=conversation, by=request.user)
    messages.success(request, _("Conversation reopened."))
    return redirect("conversation_detail", pk=conversation.pk)
