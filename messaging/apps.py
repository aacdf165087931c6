from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messages")

    def ready(self):
        # Imported once the app registry is ready: these modules use the models.
        from messaging import digest
        from messaging.reminders import message
        from messaging.selectors.conversations import record_panel
        from patients import record_panels
        from portal.notifications import registry
        from portal.notifications.models import Kind

        registry.register_kind(Kind.MESSAGE, message)
        registry.register_digest_section(digest.waiting_messages)
        record_panels.register(record_panel)
