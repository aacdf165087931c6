"""Invitations: providers invite patients, admins invite providers, the invited person joins."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from portal.accounts import services
from portal.accounts.decorators import role_required
from portal.accounts.forms import InvitationAcceptForm, InvitationForm
from portal.accounts.models import Invitation, Role, User
from portal.accounts.selectors import invitation_for, invitations_sent_by

# Who each inviting role invites (the service enforces the same rule).
INVITED_ROLE = {Role.PROVIDER: Role.PATIENT, Role.ADMIN: Role.PROVIDER}


@role_required(Role.PROVIDER, Role.ADMIN)
def invitation_list(request):
    invitations = invitations_sent_by(inviter=request.user, now=timezone.now())
    page = Paginator(invitations, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/invitations/list.html",
        {"page": page, "invited_role": INVITED_ROLE[request.user.role]},
    )


@role_required(Role.PROVIDER, Role.ADMIN)
def invitation_new(request):
    role = INVITED_ROLE[request.user.role]
    form = InvitationForm(request.POST or None, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                email=form.cleaned_data["email"],
                role=role,
                invited_by=request.user,
                language=form.cleaned_data["language"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("invitation_list")
    context = {"form": form, "invited_role": role, "valid_days": settings.INVITATION_VALID_DAYS}
    return render(request, "accounts/invitations/new.html", context)


@login_required  # anonymous visitors log in whatever the method
@require_POST
@role_required(Role.PROVIDER, Role.ADMIN)
def invitation_revoke(request, pk):
    invitation = invitation_for(request.user, pk)
    now = timezone.now()
    if invitation.state(now) != "open":
        messages.info(
            request, _("This invitation is no longer open, so there is nothing to revoke.")
        )
        return redirect("invitation_list")
    services.invitation_revoke(invitation=invitation, now=now)
    messages.success(
        request,
        _("The invitation to %(email)s is revoked: its link no longer works.")
        % {"email": invitation.email},
    )
    return redirect("invitation_list")


@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation_accept(request, token):
    invitation = services.invitation_for_token(token)
    state = invitation.state(timezone.now()) if invitation else "unknown"
    if state != "open":
        return _unusable(request, invitation, state)
    if (
        invitation.role == Role.CAREGIVER
        and User.objects.filter(email__iexact=invitation.email).exists()
    ):
        return _accept_as_existing_caregiver(request, invitation)
    if request.user.is_authenticated:
        return render(request, "accounts/invitations/logged_in.html")
    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError:
            # Used or revoked between showing the form and sending it (a second tab, the back
            # button, a double click), or the address got an account meanwhile: either way
            # this link can no longer make one.
            invitation.refresh_from_db()
            state = invitation.state(timezone.now())
            return _unusable(request, invitation, "accepted" if state == "open" else state)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to the LDN Portal. Your account is ready."))
        return redirect("home")
    return render(request, "accounts/invitations/accept.html", {"form": form})


def _accept_as_existing_caregiver(request, invitation: Invitation):
    """A caregiver who already has an account (caring for someone else) accepts while logged
    in as the invited address; anyone else is asked to log in as that address."""
    user = request.user
    if not user.is_authenticated or user.email.lower() != invitation.email.lower():
        context = {"login_next": request.path, "email": invitation.email}
        return render(request, "accounts/invitations/log_in_to_accept.html", context)
    if request.method == "POST":
        try:
            services.invitation_accept_existing(invitation=invitation, user=user)
        except ValidationError:
            invitation.refresh_from_db()
            state = invitation.state(timezone.now())
            return _unusable(request, invitation, "accepted" if state == "open" else state)
        messages.success(request, _("You now have access. Choose the record in the switcher."))
        return redirect("home")
    return render(request, "accounts/invitations/accept_existing.html")


def _unusable(request, invitation: Invitation | None, state: str):
    """Why a link cannot be used and what to do; 410 because the link is gone for good."""
    context = {
        "state": state,
        "invitation": invitation,
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    return render(request, "accounts/invitations/unusable.html", context, status=410)
