from django.http import Http404

from portal.notifications.models import Channel, Notification


def inbox_for(*, user):
    """The viewer's delivered in-app notifications, newest first."""
    return Notification.objects.filter(
        recipient=user, channel=Channel.IN_APP, status=Notification.Status.SENT
    ).order_by("-sent_at", "-pk")


def unread_count(*, user) -> int:
    return inbox_for(user=user).filter(read_at__isnull=True).count()


def notification_for(viewer, pk) -> Notification:
    try:
        return inbox_for(user=viewer).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
