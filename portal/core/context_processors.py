from messaging.selectors.conversations import unread_count as unread_conversations
from portal.notifications.selectors import unread_count


def navigation(request):
    """What the navigation bar needs: the viewer's role, their unread notifications and
    their conversations with an unread message."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": None}
    return {
        "nav_role": user.role,
        "nav_unread": unread_count(user=user),
        "nav_messages_unread": unread_conversations(viewer=user),
    }
