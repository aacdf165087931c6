"""The private calendar feed: no login, the long random token in the address is the key."""

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal.lib.timing import local_today
from regimens.calendar import feed_ics
from regimens.selectors.regimens import calendar_feed_by_token


@never_cache
@require_safe
def calendar_feed(request, token):
    feed = calendar_feed_by_token(token)
    patient = feed.patient
    body = feed_ics(
        patient=patient,
        include_details=feed.include_dose,
        today=local_today(patient),
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ldn.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
