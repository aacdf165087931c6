"""Which language a page, a reminder and an e-mail speak: the account's choice, else the
language switch's cookie, else the browser's Accept-Language; reminders and e-mails in the
recipient's language whoever sends them."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from portal.accounts.models import Invitation, User
from portal.accounts.services import invitation_accept, invitation_create
from portal.lib import formats
from portal.notifications import services
from portal.notifications.models import Notification

LOGIN = reverse("account_login")
SWITCH = reverse("language_set")


def test_the_login_page_follows_the_browser(client):
    spanish = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    english = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    assert '<html lang="es">' in spanish.text
    assert "Iniciar sesión" in spanish.text
    assert spanish["Content-Language"] == "es"
    assert '<html lang="en">' in english.text
    assert "Log in" in english.text


def test_the_switch_on_the_login_page_overrides_the_browser(client):
    response = client.post(SWITCH, {"language": "es", "next": LOGIN})

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en")
    assert "Iniciar sesión" in page.text
    assert 'data-testid="language-es"' in page.text


def test_the_accounts_language_wins_over_the_browser(client_for, patient_user):
    patient_user.language = "es"
    patient_user.save()

    page = client_for(patient_user).get(reverse("account"), HTTP_ACCEPT_LANGUAGE="en")

    assert "Mi cuenta" in page.text
    assert "Cerrar sesión" in page.text


def test_the_switch_on_my_account_keeps_the_choice_on_the_account(client_for, patient_user):
    client = client_for(patient_user)
    account = reverse("account")

    response = client.post(SWITCH, {"language": "es", "next": account})

    assert response["Location"] == account
    patient_user.refresh_from_db()
    assert patient_user.language == "es"
    client.cookies.clear()  # another browser: the account still says Spanish
    client.force_login(patient_user)
    assert "Mi cuenta" in client.get(account, HTTP_ACCEPT_LANGUAGE="en").text

    client.post(SWITCH, {"language": "en", "next": account})
    patient_user.refresh_from_db()
    assert patient_user.language == "en"


def test_an_unknown_language_changes_nothing(client_for, patient_user):
    client = client_for(patient_user)

    response = client.post(SWITCH, {"language": "xx", "next": "https://evil.example/"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    patient_user.refresh_from_db()
    assert patient_user.language == ""


def test_a_reminder_is_written_in_the_recipients_language(patient_user):
    patient_user.language = "es"
    patient_user.save()
    day = timezone.localdate()
    rows = [
        Notification.objects.create(
            recipient=patient_user,
            kind="diary",
            channel=channel,
            due_at=timezone.now(),
            status=Notification.Status.QUEUED,
            dedupe_key=f"diary:{patient_user.pk}:{day}:{channel}",
            context={"date": day.isoformat()},
        )
        for channel in ("in_app", "email")
    ]

    # The sending process speaks English: the recipient's language still wins.
    with translation.override("en"):
        sent = services.notifications_send(pairs=[(row.pk, row.version) for row in rows])

    assert sent == 2
    titles = set(Notification.objects.values_list("title", flat=True))
    assert titles == {"¿Cómo fue su día?"}
    [email] = mail.outbox
    assert "Tiene un recordatorio" in email.subject
    assert "Hola:" in email.body


def test_an_english_recipient_gets_english_whatever_the_senders_language(patient_user):
    day = timezone.localdate()
    row = Notification.objects.create(
        recipient=patient_user,
        kind="diary",
        channel="in_app",
        due_at=timezone.now(),
        status=Notification.Status.QUEUED,
        dedupe_key=f"diary:{patient_user.pk}:{day}",
        context={"date": day.isoformat()},
    )

    with translation.override("es"):
        services.notifications_send(pairs=[(row.pk, row.version)])

    row.refresh_from_db()
    assert row.title == "How was your day?"


def test_an_invitation_is_written_in_the_language_the_provider_picks(
    client_for, provider, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(provider)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("invitation_new"),
            {"email": "nueva@example.org", "language": "es"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert Invitation.objects.get().language == "es"
    [email] = mailoutbox
    assert email.subject.endswith("Le han invitado a unirse al Portal LDN")


def test_an_account_from_a_spanish_invitation_starts_in_spanish(client, provider):
    invitation, _token = invitation_create(
        email="nueva@example.org", role="patient", invited_by=provider, language="es"
    )
    user = invitation_accept(invitation=invitation, password="a long passphrase 42", name="Ana")

    assert User.objects.get(pk=user.pk).language == "es"


def test_doses_dates_and_times_follow_the_language():
    with translation.override("en"):
        assert formats.dose(Decimal("1.500")) == "1.5 mg"
        assert formats.day(date(2026, 11, 26)) == "26 Nov 2026"
    with translation.override("es"):
        assert formats.dose(Decimal("1.500")) == "1,5 mg"
        assert formats.day(date(2026, 11, 26)) == "26 nov 2026"
    assert formats.plain_mg(Decimal("1.500")) == "1.5"


def test_the_portal_speaks_english_and_spanish():
    assert dict(settings.LANGUAGES).keys() == {"en", "es"}
