from django.utils import timezone

from portal.lib.timing import local_date
from portal.notifications.selectors import unread_count


def navigation(request):
    """What the navigation bar needs: the viewer's role and their unread notifications; for a
    patient, their local date (the day an entry kept offline on their phone is for)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": None}
    context = {"nav_role": user.role, "nav_unread": unread_count(user=user)}
    if user.is_patient:
        context["nav_today"] = local_date(timezone.now(), user.timezone)
    return context
