from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "portal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # Imported once the app registry is ready: these modules use the models.
        from portal.accounts.services import register_timezone_changed
        from portal.notifications import registry
        from portal.notifications.kinds import digest
        from portal.notifications.models import Kind
        from portal.notifications.services import reminders_replan_on_commit

        registry.register_kind(Kind.DIGEST, digest)
        # Reminders are planned in local time: a new time zone plans them again.
        register_timezone_changed(reminders_replan_on_commit)
