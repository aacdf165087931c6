"""Tonight's dose form, the diary form and the morning check-in, sent by the page's script
on a connection that may drop (README, "Install and offline").

The script (static/js/offline.js) keeps the entry on the phone first, then posts the form
with the entry's key (`offline_key`) and the header `X-LDN-Submit: fetch`. When the post
fails on the way (no answer, a timeout), the entry stays on the phone and is sent later to
/offline/send/ with the same key. So that the entry is saved once even when the form post did
reach the portal and only its answer was lost, the key is claimed here, in one transaction
with the form's save: a save that is refused (the form comes back, or an error message is
queued) rolls the claim back with it; a key already claimed saves nothing more.

For the script's post, a redirect is answered as JSON (`{"location": ...}`) instead of being
followed, so the page goes there itself and the next page still shows the form's message.
"""

import uuid
from datetime import date

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse

from portal.core import offline
from portal.lib.timing import local_today

# The form views whose posts carry a key: url name -> (kind, where a duplicate returns).
FORMS = {
    "dose_log": ("dose", "tonight"),
    "diary_new": ("diary", "diary"),
    "diary_entry": ("diary", "diary"),
    "diary_morning": ("diary", "diary"),
}
HEADER = "X-LDN-Submit"


def _key(request):
    try:
        return uuid.UUID(request.POST.get("offline_key", ""))
    except ValueError:
        return None


def _day(request, match, kind) -> date:
    if kind == "diary":
        day = match.kwargs.get("day")
        if isinstance(day, date):
            return day
        try:
            return date.fromisoformat(request.POST.get("day", ""))
        except ValueError:
            pass
    return local_today(request.user)


def _refused(request, response) -> bool:
    if not isinstance(response, HttpResponseRedirect):
        return True  # the form came back: nothing was saved
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", [])
    return any(message.level >= messages.ERROR for message in queued)


class OfflineKeyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        form = self._form(request)
        if form is None:
            return self._answer(request, self.get_response(request))
        kind, back, match = form
        key = _key(request)
        if key is None or not request.user.is_authenticated or not request.user.is_patient:
            return self._answer(request, self.get_response(request))
        with transaction.atomic():
            claimed = offline.form_key_claim(
                key=key, user=request.user, kind=kind, day=_day(request, match, kind)
            )
            if not claimed:
                # Sent before (its answer was lost): nothing more is saved.
                return self._answer(request, HttpResponseRedirect(reverse(back)))
            response = self.get_response(request)
            if _refused(request, response):
                transaction.set_rollback(True)
        return self._answer(request, response)

    @staticmethod
    def _form(request):
        if request.method != "POST":
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.url_name not in FORMS:
            return None
        kind, back = FORMS[match.url_name]
        return kind, back, match

    @staticmethod
    def _answer(request, response):
        if request.headers.get(HEADER) != "fetch" or not isinstance(response, HttpResponseRedirect):
            return response
        answer = JsonResponse({"location": response["Location"]})
        for name, morsel in response.cookies.items():
            answer.cookies[name] = morsel
        return answer
