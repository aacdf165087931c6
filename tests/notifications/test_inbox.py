"""Opening a notification from the inbox: it is marked read and leads only to a page of the
portal, whatever link it carries."""

import pytest
from django.utils import timezone

from portal.notifications.models import Channel, Notification


def _delivered(recipient, link: str) -> Notification:
    now = timezone.now()
    return Notification.objects.create(
        recipient=recipient,
        kind="diary",
        channel=Channel.IN_APP,
        due_at=now,
        status=Notification.Status.SENT,
        sent_at=now,
        dedupe_key=f"test:{link}",
        title="Your diary",
        link=link,
    )


@pytest.mark.django_db
def test_opening_a_notification_follows_its_link_on_this_site(client_for, patient_user):
    notification = _delivered(patient_user, "/diary/")

    response = client_for(patient_user).post(
        f"/notifications/{notification.pk}/read/", {"open": "1"}
    )

    assert response.status_code == 302 and response["Location"] == "/diary/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/diary/",
        "//evil.example/diary/",
        "/\\evil.example/diary/",
        "javascript:alert(1)",
        "undefined",
        "diary",
    ],
)
def test_a_hostile_stored_link_leads_back_to_the_inbox(client_for, patient_user, link):
    notification = _delivered(patient_user, link)

    response = client_for(patient_user).post(
        f"/notifications/{notification.pk}/read/", {"open": "1"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    notification.refresh_from_db()
    assert notification.read_at is not None
