from django.contrib import admin

from portal.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Delivery state only: what was sent to whom and when (content stays in the portal)."""

    list_display = ["pk", "recipient", "kind", "channel", "status", "due_at", "sent_at", "version"]
    list_filter = ["status", "kind", "channel"]
    fields = ["recipient", "kind", "channel", "status", "due_at", "sent_at", "attempts", "version"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
