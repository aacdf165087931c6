from allauth.account.models import EmailAddress

from portal.accounts.models import User


def test_it_lets_an_admin_create_a_provider_who_gets_a_set_password_email(
    client_for, admin_user, mailoutbox
):
    client = client_for(admin_user)

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Provider@Example.org",
            "name": "Dr New",
            "role": "provider",
            "timezone": "Europe/London",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.provider@example.org")
    assert user.role == "provider"
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified is False
    assert mailoutbox[-1].to == ["new.provider@example.org"]
    assert "/accounts/password/reset/key/" in mailoutbox[-1].body


def test_it_refuses_a_duplicate_email_and_creates_nothing(client_for, admin_user, provider):
    client = client_for(admin_user)

    response = client.post(
        "/admin/accounts/user/add/",
        {"email": "PROVIDER@example.org", "name": "Dup", "role": "provider", "timezone": "UTC"},
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact="provider@example.org").count() == 1


def test_it_keeps_providers_and_patients_out_of_the_django_admin(
    client_for, provider, patient_user
):
    assert client_for(provider).get("/admin/").status_code in (302, 403)
    assert client_for(patient_user).get("/admin/").status_code in (302, 403)
