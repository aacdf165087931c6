from django.utils import timezone

from messaging.selectors.conversations import unread_count as unread_conversations
from patients.selectors.care import Permission, current_grant, open_grants
from portal.accounts.models import Role
from portal.lib.timing import local_date
from portal.notifications.selectors import unread_count


def navigation(request):
    """What the navigation bar needs: the viewer's role, their unread notifications and
    their conversations with an unread message; for a caregiver, the patients they care for
    (the switcher), the one they are on and what they may do there; for a patient, their local
    date (the day an entry kept offline on their phone is for)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": None}
    context = {"nav_role": user.role, "nav_unread": unread_count(user=user)}
    if user.role == Role.CAREGIVER:
        grant = current_grant(request)
        care_can = {p: grant.allows(p) for p in grant.FIELDS} if grant else {}
        context |= {
            "care_grants": list(open_grants(caregiver=user)),
            "care_grant": grant,
            "care_can": care_can,
            # The patient's conversations this caregiver has not read, by their own marks.
            "nav_messages_unread": unread_conversations(viewer=user, caring_for=grant.patient)
            if care_can.get(Permission.MESSAGES)
            else 0,
        }
    else:
        context["nav_messages_unread"] = unread_conversations(viewer=user)
    if user.is_patient:
        context["nav_today"] = local_date(timezone.now(), user.timezone)
    return context
