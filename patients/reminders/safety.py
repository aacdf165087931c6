"""Safety notices: sent at once to the care team, and they cannot be turned off."""

from django.urls import reverse
from django.utils.translation import gettext as _

from patients.models import Flag
from portal.notifications.services import Message


def compose(notification):
    flag = (
        Flag.objects.select_related("patient__user")
        .filter(pk=notification.context.get("flag"))
        .first()
    )
    if flag is None or not flag.is_open:
        return None
    return Message(
        title=_("Urgent: %(kind)s for %(patient)s")
        % {"kind": flag.get_kind_display(), "patient": flag.patient.name},
        body=flag.reason,
        link=reverse("patient_record", args=[flag.patient_id]),
    )
