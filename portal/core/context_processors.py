def navigation(request):
    """What the navigation bar needs: the viewer's role and whether MFA is set up."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": None}
    return {"nav_role": user.role}
