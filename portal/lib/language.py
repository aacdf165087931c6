"""Text the portal stores for the care team (flag reasons, the status row's reasons) is
written in the portal's own language (settings.LANGUAGE_CODE), whoever's request happens to
write it: a Spanish-speaking patient's diary save must not leave Spanish reasons in their
provider's queue, nor a provider's action English ones for the next reader. What people
read as it is worked out (pages, reminders, e-mails) follows the reader's language instead.
"""

import functools

from django.conf import settings
from django.utils import translation


def in_portal_language(function):
    """Run `function` with the portal's own language active."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return function(*args, **kwargs)

    return wrapper
