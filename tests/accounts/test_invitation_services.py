import hashlib
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from patients.models import CareTeamMembership, Patient
from portal.accounts.models import Invitation, Role, User
from portal.accounts.services import (
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_revoke,
)
from tests.factories import TEST_PASSWORD

NEW_EMAIL = "new.patient@example.org"


def _invite(inviter, email=NEW_EMAIL, role=Role.PATIENT, **kwargs):
    return invitation_create(email=email, role=role, invited_by=inviter, **kwargs)


def _accept(invitation, **kwargs):
    return invitation_accept(
        invitation=invitation, password=TEST_PASSWORD, name="Nina New", **kwargs
    )


# --- Creating ---------------------------------------------------------------------------------


def test_it_stores_a_hash_of_the_token_and_never_the_token(provider):
    invitation, token = _invite(provider)

    invitation.refresh_from_db()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert len(token) >= 40


def test_it_expires_after_the_configured_number_of_days(provider, settings):
    settings.INVITATION_VALID_DAYS = 3
    now = timezone.now()

    invitation, _token = _invite(provider, now=now)

    assert invitation.created_at == now
    assert invitation.expires_at == now + timedelta(days=3)
    assert invitation.state(now + timedelta(days=3) - timedelta(seconds=1)) == "open"
    assert invitation.state(now + timedelta(days=3)) == "expired"


def test_it_normalises_the_address(provider):
    invitation, _token = _invite(provider, email="  New.Patient@EXAMPLE.org ")

    assert invitation.email == NEW_EMAIL


def test_it_emails_the_link_once_the_transaction_commits(
    provider, settings, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _invitation, token = _invite(provider)
        assert mailoutbox == []

    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [NEW_EMAIL]
    assert mail.subject == "You have been invited to join the LDN Portal"
    link = f"{settings.SITE_URL}/invitations/accept/{token}/"
    html = mail.alternatives[0][0]
    assert link in mail.body
    assert f'href="{link}"' in html
    assert "7 days" in mail.body
    assert "7 days" in html
    assert "ignore" in mail.body


def test_it_names_no_one_and_says_nothing_about_health_in_the_email(
    provider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(provider)

    mail = mailoutbox[0]
    for text in (mail.subject, mail.body, mail.alternatives[0][0]):
        for telling in ("Pia", "Provider", provider.email, "care team", "naltrexone", "patient"):
            assert telling.lower() not in text.lower()


def test_it_sends_nothing_when_the_transaction_does_not_commit(
    provider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _invite(provider)

    assert len(callbacks) == 1
    assert mailoutbox == []


def test_it_lets_an_admin_invite_a_provider(admin_user):
    invitation, _token = _invite(admin_user, email="new.doc@example.org", role=Role.PROVIDER)

    assert invitation.role == Role.PROVIDER
    assert invitation.invited_by == admin_user


@pytest.mark.parametrize(
    ("inviter", "role"),
    [
        ("provider", Role.PROVIDER),
        ("provider", Role.ADMIN),
        ("admin_user", Role.PATIENT),
        ("admin_user", Role.ADMIN),
        ("patient_user", Role.PATIENT),
        ("patient_user", Role.PROVIDER),
    ],
)
def test_it_refuses_an_inviter_who_may_not_invite_that_role(request, inviter, role):
    user = request.getfixturevalue(inviter)

    with pytest.raises(PermissionDenied):
        _invite(user, role=role)

    assert not Invitation.objects.exists()


def test_it_refuses_a_second_open_invitation_and_says_to_revoke_the_first(provider):
    _invite(provider)

    with pytest.raises(ValidationError) as refused:
        _invite(provider, email="NEW.patient@example.org")

    assert "Revoke it" in refused.value.message_dict["email"][0]
    assert Invitation.objects.count() == 1


def test_it_refuses_an_address_another_provider_invited_without_asking_to_revoke_it(
    provider, other_provider
):
    _invite(provider)

    with pytest.raises(ValidationError) as refused:
        _invite(other_provider, email="NEW.patient@example.org")

    message = refused.value.message_dict["email"][0]
    assert "Someone else has invited this address" in message
    assert "once it expires or is revoked" in message
    assert Invitation.objects.count() == 1


def test_it_invites_again_once_the_old_invitation_is_revoked_or_expired(provider, settings):
    first, _token = _invite(provider)
    invitation_revoke(invitation=first)
    second, _token = _invite(provider)
    later = second.expires_at + timedelta(minutes=1)

    third, _token = _invite(provider, now=later)

    assert Invitation.objects.filter(email=NEW_EMAIL).count() == 3
    assert third.state(later) == "open"


def test_it_refuses_an_address_that_already_has_an_account(provider, patient_user):
    with pytest.raises(ValidationError) as refused:
        _invite(provider, email="Patient@Example.org")

    assert "already has an account" in refused.value.message_dict["email"][0]
    assert not Invitation.objects.exists()


# --- Finding and revoking -----------------------------------------------------------------------


def test_it_finds_an_invitation_by_its_token_and_nothing_by_a_tampered_one(provider):
    invitation, token = _invite(provider)

    assert invitation_for_token(token) == invitation
    assert invitation_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert invitation_for_token("") is None


def test_it_revokes_an_open_invitation_and_leaves_an_accepted_one_alone(provider):
    now = timezone.now()
    open_one, _token = _invite(provider)
    used_one, _token = _invite(provider, email="used@example.org")
    _accept(used_one)

    invitation_revoke(invitation=open_one, now=now)
    invitation_revoke(invitation=used_one, now=now)

    open_one.refresh_from_db()
    used_one.refresh_from_db()
    assert open_one.revoked_at == now
    assert open_one.state(now) == "revoked"
    assert used_one.revoked_at is None
    assert used_one.state(now) == "accepted"


def test_it_leaves_an_expired_invitation_expired_when_revoked(provider):
    invitation, _token = _invite(provider)

    invitation_revoke(invitation=invitation, now=invitation.expires_at)

    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert invitation.state(invitation.expires_at) == "expired"


# --- Accepting ----------------------------------------------------------------------------------


def test_it_creates_the_patient_with_a_verified_address_on_the_inviters_care_team(provider):
    invitation, _token = _invite(provider)
    now = timezone.now()

    user = _accept(invitation, now=now)

    assert user.email == NEW_EMAIL
    assert user.role == Role.PATIENT
    assert user.name == "Nina New"
    assert user.check_password(TEST_PASSWORD)
    assert user.timezone == provider.timezone
    assert EmailAddress.objects.get(user=user).verified is True
    patient = Patient.objects.get(user=user)
    membership = CareTeamMembership.objects.get(patient=patient)
    assert membership.provider == provider
    assert membership.added_by == provider
    assert membership.since == now
    assert membership.until is None
    invitation.refresh_from_db()
    assert invitation.accepted_at == now
    assert invitation.accepted_user == user


def test_it_creates_a_provider_without_a_patient_profile_or_care_team(admin_user):
    invitation, _token = _invite(admin_user, email="new.doc@example.org", role=Role.PROVIDER)

    user = _accept(invitation)

    assert user.role == Role.PROVIDER
    assert not user.is_superuser
    assert EmailAddress.objects.get(user=user).verified is True
    assert not Patient.objects.filter(user=user).exists()
    assert not CareTeamMembership.objects.exists()


def test_it_refuses_to_accept_twice(provider):
    invitation, _token = _invite(provider)
    _accept(invitation)

    with pytest.raises(ValidationError):
        _accept(invitation)

    assert User.objects.filter(email=NEW_EMAIL).count() == 1
    assert CareTeamMembership.objects.count() == 1


def test_it_refuses_an_expired_invitation(provider):
    invitation, _token = _invite(provider)

    with pytest.raises(ValidationError):
        _accept(invitation, now=invitation.expires_at)

    assert not User.objects.filter(email=NEW_EMAIL).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_it_refuses_an_expired_invitation_by_the_clock(provider, time_machine):
    invitation, _token = _invite(provider)
    time_machine.move_to(invitation.expires_at + timedelta(seconds=1), tick=False)

    with pytest.raises(ValidationError):
        _accept(invitation)

    assert not User.objects.filter(email=NEW_EMAIL).exists()


def test_it_refuses_a_revoked_invitation(provider):
    invitation, _token = _invite(provider)
    invitation_revoke(invitation=invitation)

    with pytest.raises(ValidationError):
        _accept(invitation)

    assert not User.objects.filter(email=NEW_EMAIL).exists()
    assert not Patient.objects.exists()


def test_it_refuses_an_invitation_whose_provider_was_deactivated(db):
    from django.core.exceptions import ValidationError

    from portal.accounts.services import invitation_accept, invitation_create
    from tests.factories import ProviderFactory

    provider = ProviderFactory()
    invitation, _token = invitation_create(
        email="late@example.org", role="patient", invited_by=provider
    )
    provider.is_active = False
    provider.save()

    with pytest.raises(ValidationError):
        invitation_accept(invitation=invitation, password="x-Strong-pass-123", name="Late")
    assert not User.objects.filter(email="late@example.org").exists()
