"""Reads of invitations, always scoped to the viewer.

An invitation someone else sent answers 404, never 403: its existence is not told.
"""

from datetime import datetime

from django.db.models import Case, CharField, QuerySet, Value, When
from django.http import Http404

from portal.accounts.models import Invitation, User


def invitations_sent_by(*, inviter: User, now: datetime) -> QuerySet[Invitation]:
    """The invitations this user sent, newest first, each with its `status` at `now`.

    `status` is the same as `Invitation.state(now)`, computed in the database so a page of
    the list costs one query.
    """
    return (
        Invitation.objects.filter(invited_by=inviter)
        .annotate(
            status=Case(
                When(accepted_at__isnull=False, then=Value("accepted")),
                When(revoked_at__isnull=False, then=Value("revoked")),
                When(expires_at__lte=now, then=Value("expired")),
                default=Value("open"),
                output_field=CharField(),
            )
        )
        .order_by("-created_at", "-pk")
    )


def invitation_for(viewer: User, pk) -> Invitation:
    """An invitation the viewer sent; anything else is 404."""
    try:
        return Invitation.objects.filter(invited_by=viewer).get(pk=pk)
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
