from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from portal.accounts.models import Role


def role_required(*roles):
    """The view is for these roles only: anyone else logged in gets 403, anonymous users log in.

    A caregiver gets 404 instead: they act on someone else's record, and a page not open to
    them is, for them, a part of that record they may not see.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles:
                if request.user.role == Role.CAREGIVER:
                    raise Http404
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
