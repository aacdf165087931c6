"""The "new message" notice: in the portal and by e-mail, it says only that a message is
waiting and links to the conversation. Nothing of the message goes into the notice."""

from django.urls import reverse
from django.utils.translation import gettext as _

from messaging.models import Message as ConversationMessage
from portal.notifications.services import Message

EMAIL_TEMPLATE = "emails/message"


def compose(notification):
    message = (
        ConversationMessage.objects.filter(pk=notification.context.get("message"))
        .only("conversation_id", "withdrawn_at")
        .first()
    )
    if message is None or message.is_withdrawn:
        return None
    text = _("You have a new message in the LDN Portal")
    return Message(
        title=text,
        body="",
        link=reverse("conversation_detail", args=[message.conversation_id]),
    )
