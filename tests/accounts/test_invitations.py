import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.models import CareTeamMembership, Patient
from portal.accounts import services
from portal.accounts.models import Invitation, Role, User
from portal.accounts.selectors import invitations_sent_by
from tests.factories import TEST_PASSWORD

NEW_EMAIL = "new.patient@example.org"
LIST = reverse("invitation_list")
NEW = reverse("invitation_new")


def _invite(inviter, email=NEW_EMAIL, **kwargs):
    role = Role.PROVIDER if inviter.role == Role.ADMIN else Role.PATIENT
    return services.invitation_create(email=email, role=role, invited_by=inviter, **kwargs)


def _accept_url(token):
    return reverse("invitation_accept", args=[token])


def _accept_data(**overrides):
    return {"name": "Nina New", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD, **overrides}


def _text(response):
    return response.content.decode()


# --- Who may use the pages ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LIST, NEW])
def test_it_sends_anonymous_visitors_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [LIST, NEW])
def test_it_refuses_patients(client_for, patient_user, url):
    assert client_for(patient_user).get(url).status_code == 403


def test_it_refuses_a_patient_who_posts_an_invitation_and_saves_nothing(client_for, patient_user):
    response = client_for(patient_user).post(NEW, {"email": NEW_EMAIL})

    assert response.status_code == 403
    assert not Invitation.objects.exists()


# --- The list -----------------------------------------------------------------------------------


def test_it_lists_only_the_invitations_the_provider_sent(client_for, provider, other_provider):
    _invite(provider, email="mine@example.org")
    _invite(other_provider, email="theirs@example.org")

    response = client_for(provider).get(LIST)

    assert response.status_code == 200
    assert "mine@example.org" in _text(response)
    assert "theirs@example.org" not in _text(response)
    assert 'href="/invitations/new/"' in _text(response)
    assert "Invite a patient" in _text(response)


def test_it_lists_an_admins_provider_invitations(client_for, admin_user, provider):
    _invite(admin_user, email="new.doc@example.org")
    _invite(provider, email="a.patient@example.org")

    response = client_for(admin_user).get(LIST)

    assert response.status_code == 200
    assert "new.doc@example.org" in _text(response)
    assert "a.patient@example.org" not in _text(response)
    assert "Invite a provider" in _text(response)


def test_it_shows_each_status_and_a_revoke_button_only_on_open_ones(client_for, provider):
    long_ago = timezone.now() - timedelta(days=30)
    open_one, _token = _invite(provider, email="open@example.org")
    accepted, _token = _invite(provider, email="accepted@example.org")
    services.invitation_accept(invitation=accepted, password=TEST_PASSWORD, name="A")
    revoked, _token = _invite(provider, email="revoked@example.org")
    services.invitation_revoke(invitation=revoked)
    _invite(provider, email="expired@example.org", now=long_ago)

    response = client_for(provider).get(LIST)

    statuses = {row.email: row.status for row in response.context["page"]}
    assert statuses == {
        "open@example.org": "open",
        "accepted@example.org": "accepted",
        "revoked@example.org": "revoked",
        "expired@example.org": "expired",
    }
    for label in ("Open", "Accepted", "Revoked", "Expired"):
        assert f">{label}</span>" in _text(response)
    revoke_forms = re.findall(r'action="/invitations/(\d+)/revoke/"', _text(response))
    assert revoke_forms == [str(open_one.pk)]


def test_it_computes_the_same_status_as_the_model(provider):
    now = timezone.now()
    _invite(provider, email="open@example.org")
    _invite(provider, email="expired@example.org", now=now - timedelta(days=30))
    revoked, _token = _invite(provider, email="revoked@example.org")
    services.invitation_revoke(invitation=revoked)

    for row in invitations_sent_by(inviter=provider, now=now):
        assert row.status == row.state(now)


def test_it_says_so_when_nothing_was_sent(client_for, provider):
    response = client_for(provider).get(LIST)

    assert "You have not invited anyone yet" in _text(response)


def test_it_pages_the_list_by_25_newest_first(client_for, provider):
    start = timezone.now() - timedelta(hours=1)
    for n in range(26):
        _invite(provider, email=f"p{n}@example.org", now=start + timedelta(minutes=n))
    client = client_for(provider)

    first = client.get(LIST)
    second = client.get(LIST, {"page": 2})

    assert [row.email for row in first.context["page"]][:2] == [
        "p25@example.org",
        "p24@example.org",
    ]
    assert len(first.context["page"]) == 25
    assert [row.email for row in second.context["page"]] == ["p0@example.org"]
    assert "Page 1 of 2" in _text(first)


def test_it_loads_the_list_in_the_same_number_of_queries_for_1_and_25_rows(client_for, provider):
    client = client_for(provider)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    _invite(provider, email="p0@example.org")
    client.get(LIST)  # the first request after logging in writes the session
    one = queries()
    for n in range(1, 25):
        _invite(provider, email=f"p{n}@example.org")
    assert queries() == one


# --- Sending ------------------------------------------------------------------------------------


def test_it_titles_the_form_after_the_role_being_invited(client_for, provider, admin_user):
    assert '<h1 class="h3 mb-3">Invite a patient</h1>' in _text(client_for(provider).get(NEW))
    assert '<h1 class="h3 mb-3">Invite a provider</h1>' in _text(client_for(admin_user).get(NEW))


def test_it_lets_a_provider_invite_a_patient(
    client_for, provider, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(provider)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, {"email": " New.Patient@Example.org "})

    assert response.status_code == 302
    assert response["Location"] == LIST
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        NEW_EMAIL,
        Role.PATIENT,
        provider,
    )
    assert mailoutbox[0].to == [NEW_EMAIL]
    assert "Invitation sent to new.patient@example.org." in _text(client.get(LIST))


def test_it_lets_an_admin_invite_a_provider(client_for, admin_user, mailoutbox):
    response = client_for(admin_user).post(NEW, {"email": "new.doc@example.org"})

    assert response.status_code == 302
    assert Invitation.objects.get().role == Role.PROVIDER


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter the e-mail address of the person you are inviting."),
        ("not-an-address", "Enter a complete e-mail address, such as name@example.org."),
        ("patient@example.org", "Someone with this e-mail address already has an account."),
        ("open@example.org", "Your invitation to this address is still open."),
    ],
)
def test_it_explains_a_bad_address_next_to_the_field_and_saves_nothing(
    client_for, provider, patient_user, mailoutbox, email, message
):
    _invite(provider, email="open@example.org")

    response = client_for(provider).post(NEW, {"email": email})

    assert response.status_code == 200
    assert message in response.context["form"].errors["email"][0]
    assert message in _text(response)
    assert Invitation.objects.count() == 1
    assert mailoutbox == []


# --- Revoking -----------------------------------------------------------------------------------


def test_it_lets_the_inviter_revoke_an_open_invitation(client_for, provider):
    invitation, token = _invite(provider)
    client = client_for(provider)

    response = client.post(reverse("invitation_revoke", args=[invitation.pk]))

    assert response.status_code == 302
    assert response["Location"] == LIST
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "its link no longer works" in _text(client.get(LIST))
    client.logout()
    assert "This invitation was withdrawn" in _text(client.get(_accept_url(token)))


@pytest.mark.parametrize("intruder", ["other_provider", "admin_user"])
def test_it_answers_404_to_anyone_else_revoking_and_changes_nothing(
    request, client_for, provider, intruder
):
    invitation, _token = _invite(provider)

    response = client_for(request.getfixturevalue(intruder)).post(
        reverse("invitation_revoke", args=[invitation.pk])
    )

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_it_refuses_a_patient_revoking(client_for, provider, patient_user):
    invitation, _token = _invite(provider)

    response = client_for(patient_user).post(reverse("invitation_revoke", args=[invitation.pk]))

    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_it_sends_an_anonymous_revoke_to_log_in(client, provider):
    invitation, _token = _invite(provider)

    response = client.post(reverse("invitation_revoke", args=[invitation.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize("viewer", ["provider", "patient_user"])
def test_it_only_revokes_by_post(request, client_for, provider, viewer):
    invitation, _token = _invite(provider)
    client = client_for(request.getfixturevalue(viewer))

    response = client.get(reverse("invitation_revoke", args=[invitation.pk]))

    assert response.status_code == 405
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_it_sends_an_anonymous_get_of_revoke_to_log_in(client, provider):
    invitation, _token = _invite(provider)

    response = client.get(reverse("invitation_revoke", args=[invitation.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_leaves_an_accepted_invitation_alone_when_asked_to_revoke_it(client_for, provider):
    invitation, _token = _invite(provider)
    services.invitation_accept(invitation=invitation, password=TEST_PASSWORD, name="A")
    client = client_for(provider)

    response = client.post(reverse("invitation_revoke", args=[invitation.pk]), follow=True)

    assert "no longer open, so there is nothing to revoke" in _text(response)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- Accepting ----------------------------------------------------------------------------------


def test_it_takes_an_invited_patient_from_the_email_to_a_logged_in_account(
    client, client_for, provider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(provider).post(NEW, {"email": NEW_EMAIL})
    client.logout()
    link = re.search(r"https?://\S+/invitations/accept/\S+/", mailoutbox[0].body).group(0)
    path = urlsplit(link).path

    form_page = client.get(path)
    response = client.post(path, _accept_data())

    assert form_page.status_code == 200
    assert f'value="{NEW_EMAIL}"' in _text(form_page)
    assert "readonly" in _text(form_page)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(email=NEW_EMAIL)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert (user.role, user.name) == (Role.PATIENT, "Nina New")
    patient = Patient.objects.get(user=user)
    assert CareTeamMembership.objects.filter(
        patient=patient, provider=provider, until__isnull=True
    ).exists()
    assert Invitation.objects.get().accepted_user == user


def test_it_makes_a_provider_account_from_an_admins_invitation(client, admin_user):
    _invitation, token = _invite(admin_user, email="new.doc@example.org")

    response = client.post(_accept_url(token), _accept_data(name="Dr New"))

    assert response.status_code == 302
    user = User.objects.get(email="new.doc@example.org")
    assert user.role == Role.PROVIDER
    assert int(client.session["_auth_user_id"]) == user.pk
    assert not Patient.objects.filter(user=user).exists()


def test_it_ignores_a_different_address_posted_in_the_read_only_field(client, provider):
    _invitation, token = _invite(provider)

    client.post(_accept_url(token), _accept_data(email="someone.else@example.org"))

    assert User.objects.filter(email=NEW_EMAIL).exists()
    assert not User.objects.filter(email="someone.else@example.org").exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Enter your name."),
        ({"password1": "", "password2": ""}, "password1", "Choose a password."),
        ({"password2": "a-different-passw0rd"}, "password2", "The two passwords do not match."),
        ({"password1": "Sh0rt!", "password2": "Sh0rt!"}, "password1", "too short"),
        ({"password1": "password1", "password2": "password1"}, "password1", "too common"),
        ({"password1": "93847561029", "password2": "93847561029"}, "password1", "entirely numeric"),
        (
            {"password1": "new.patient@example", "password2": "new.patient@example"},
            "password1",
            "too similar to the e-mail address",
        ),
    ],
)
def test_it_explains_a_refused_name_or_password_and_creates_nothing(
    client, provider, data, field, message
):
    invitation, token = _invite(provider)

    response = client.post(_accept_url(token), _accept_data(**data))

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not User.objects.filter(email=NEW_EMAIL).exists()
    assert "_auth_user_id" not in client.session
    invitation.refresh_from_db()
    assert invitation.state(timezone.now()) == "open"


def test_it_asks_a_logged_in_user_to_log_out_first_and_creates_nothing(
    client_for, provider, patient_user
):
    _invitation, token = _invite(provider)
    client = client_for(patient_user)

    page = client.get(_accept_url(token))
    posted = client.post(_accept_url(token), _accept_data())

    assert page.status_code == 200
    assert "Log out to accept this invitation" in _text(page)
    assert f'action="{reverse("account_logout")}"' in _text(page)
    assert f'name="next" value="{_accept_url(token)}"' in _text(page)
    assert 'name="password1"' not in _text(page)
    assert posted.status_code == 200
    assert not User.objects.filter(email=NEW_EMAIL).exists()


def test_it_explains_an_unknown_or_tampered_link(client, provider):
    _invitation, token = _invite(provider)

    response = client.get(_accept_url(token[:-2] + "xx"))

    assert response.status_code == 410
    assert "This invitation link does not work" in _text(response)
    assert "ask your provider to send a new invitation" in _text(response)


def test_it_explains_an_expired_link_and_creates_nothing(client, provider):
    _invitation, token = _invite(provider, now=timezone.now() - timedelta(days=8))

    page = client.get(_accept_url(token))
    posted = client.post(_accept_url(token), _accept_data())

    assert page.status_code == 410
    assert "This invitation has expired" in _text(page)
    assert "ask your provider to send a new invitation" in _text(page)
    assert posted.status_code == 410
    assert not User.objects.filter(email=NEW_EMAIL).exists()


def test_it_tells_a_provider_invited_by_an_admin_to_ask_the_administrator(client, admin_user):
    _invitation, token = _invite(
        admin_user, email="new.doc@example.org", now=timezone.now() - timedelta(days=8)
    )

    response = client.get(_accept_url(token))

    assert "ask your portal administrator to send a new invitation" in _text(response)


def test_it_explains_a_revoked_link(client, provider):
    invitation, token = _invite(provider)
    services.invitation_revoke(invitation=invitation)

    response = client.get(_accept_url(token))

    assert response.status_code == 410
    assert "This invitation was withdrawn" in _text(response)


def test_it_explains_a_used_link_when_it_is_opened_again(client, provider):
    _invitation, token = _invite(provider)
    client.post(_accept_url(token), _accept_data())
    client.logout()

    page = client.get(_accept_url(token))
    posted = client.post(_accept_url(token), _accept_data(name="Someone Else"))

    assert page.status_code == 410
    assert "This invitation has already been used" in _text(page)
    assert posted.status_code == 410
    assert User.objects.get(email=NEW_EMAIL).name == "Nina New"


def test_it_shows_the_used_page_when_the_link_is_used_while_the_form_is_open(
    client, provider, monkeypatch
):
    invitation, token = _invite(provider)
    # The form was opened before another tab accepted: the view still holds the open state.
    stale = Invitation.objects.get(pk=invitation.pk)
    services.invitation_accept(invitation=invitation, password=TEST_PASSWORD, name="First Tab")
    monkeypatch.setattr(services, "invitation_for_token", lambda _token: stale)

    response = client.post(_accept_url(token), _accept_data(name="Second Tab"))

    assert response.status_code == 410
    assert "This invitation has already been used" in _text(response)
    assert User.objects.filter(email=NEW_EMAIL).count() == 1
    assert "_auth_user_id" not in client.session


def test_it_does_not_let_the_accept_page_be_cached(client, provider):
    _invitation, token = _invite(provider)

    response = client.get(_accept_url(token))

    assert "no-store" in response["Cache-Control"]
