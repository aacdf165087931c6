import re

import pytest
from django.template.loader import render_to_string

from tests.factories import ProviderFactory


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_the_landing_page(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b"Log in" in response.content


@pytest.mark.parametrize(
    ("who", "home"),
    [("patient_user", "/patient/"), ("provider", "/provider/"), ("admin_user", "/staff/")],
)
def test_it_sends_each_role_to_its_home(request, client_for, who, home):
    client = client_for(request.getfixturevalue(who))

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == home
    assert client.get(home).status_code == 200


@pytest.mark.parametrize(
    ("who", "refused"),
    [
        ("patient_user", ["/provider/", "/staff/"]),
        ("provider", ["/patient/", "/staff/"]),
        ("admin_user", ["/patient/", "/provider/"]),
    ],
)
def test_it_refuses_other_roles_homes(request, client_for, who, refused):
    client = client_for(request.getfixturevalue(who))

    for url in refused:
        assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_it_serves_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_it_has_no_inline_script_on_role_pages(client_for, patient_user, provider, admin_user):
    for user, url in [
        (patient_user, "/patient/"),
        (provider, "/provider/"),
        (admin_user, "/staff/"),
        (patient_user, "/account/"),
    ]:
        html = client_for(user).get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert not re.search(r"<[^>]+\son[a-z]+=", html), "inline event handler"


@pytest.mark.django_db
def test_it_answers_unknown_pages_with_the_portal_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"We could not find that page" in response.content


def test_it_has_a_self_contained_500_page():
    html = render_to_string("500.html")

    assert "Something went wrong on our side" in html
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html


def test_it_loads_nothing_from_other_hosts(client_for, patient_user):
    html = client_for(patient_user).get("/patient/").content.decode()

    assert not re.findall(r"""(?:src|href)=["'](?:https?:)?//""", html)


def test_it_keeps_a_provider_without_mfa_on_the_enrolment_page(db, client):
    provider = ProviderFactory(mfa=False)
    client.force_login(provider)

    for url in ["/", "/provider/", "/account/", "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/accounts/2fa/totp/activate/", url


def test_it_lets_a_patient_without_mfa_in(client_for, patient_user):
    assert client_for(patient_user).get("/patient/").status_code == 200
