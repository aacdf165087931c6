from portal.notifications.selectors import unread_count


def navigation(request):
    """What the navigation bar needs: the viewer's role and their unread notifications."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": None}
    return {"nav_role": user.role, "nav_unread": unread_count(user=user)}
