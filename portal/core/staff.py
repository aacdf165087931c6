"""What the staff home counts: each thing an admin looks after, with how many there are and
the page one click away."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import CareTeamMembership, Condition
from portal.accounts.models import Invitation, User
from portal.audit.models import AccessEvent
from portal.content.models import Article, Status
from portal.content.selectors import articles_due_for_review
from regimens.models import Protocol


@dataclass(frozen=True)
class StaffSection:
    label: str
    count: int
    url: str
    attention: bool = False  # waiting for someone: shown first, highlighted when not 0


def staff_home_sections(*, today: date) -> list[StaffSection]:
    now = timezone.now()
    articles = reverse("admin:content_article_changelist")
    return [
        StaffSection(
            _("Articles waiting for clinical review"),
            Article.objects.filter(status=Status.IN_REVIEW).count(),
            f"{articles}?status__exact={Status.IN_REVIEW}",
            attention=True,
        ),
        StaffSection(
            _("Articles past their review date"),
            articles_due_for_review(today=today).count(),
            f"{articles}?review=due",
            attention=True,
        ),
        StaffSection(
            _("Invitations not yet accepted"),
            Invitation.objects.filter(
                accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
            ).count(),
            reverse("admin:accounts_invitation_changelist"),
        ),
        StaffSection(
            _("Protocols in use"),
            Protocol.objects.filter(retired_at__isnull=True).count(),
            reverse("admin:regimens_protocol_changelist"),
        ),
        StaffSection(
            _("Conditions"),
            Condition.objects.count(),
            reverse("admin:patients_condition_changelist"),
        ),
        StaffSection(
            _("Active users"),
            User.objects.filter(is_active=True).count(),
            reverse("admin:accounts_user_changelist"),
        ),
        StaffSection(
            _("Care-team memberships"),
            CareTeamMembership.objects.filter(until__isnull=True).count(),
            reverse("admin:patients_patient_changelist"),
        ),
        StaffSection(
            _("Record reads in the last 7 days"),
            AccessEvent.objects.filter(at__gte=now - timedelta(days=7)).count(),
            reverse("admin:audit_accessevent_changelist"),
        ),
    ]
