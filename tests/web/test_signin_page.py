"""The sign-in page is the app's own: its header and stylesheet, labelled fields, no sign-up."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.test import Client

from tests.web.signin_pages import assert_in_our_style, heading


def test_the_sign_in_page_is_built_on_the_apps_base(db, client: Client) -> None:
    page = assert_in_our_style(client.get("/accounts/login/"))
    assert "<title>Sign in · okrs</title>" in page
    assert heading(page) == "Sign in"
    assert '<label for="id_login">Email:</label>' in page
    assert '<label for="id_password">Password:</label>' in page
    assert '<a href="/accounts/password/reset/">Forgotten your password?</a>' in page
    assert "id_password_helptext" not in page  # the link sits under the form, not in the field
    assert "An admin adds people to okrs" in page


def test_a_wrong_password_is_said_in_words_at_the_top_of_the_form(world, client: Client) -> None:
    response = client.post("/accounts/login/", {"login": "maya@acme.test", "password": "nope"})
    page = assert_in_our_style(response)
    assert '<div class="error-summary" role="alert">' in page
    assert "not correct" in page


def test_without_single_sign_on_configured_there_is_no_sso_button(db, client: Client) -> None:
    # No OKRS_OIDC_* in the tests' environment: the page offers the password form only.
    page = assert_in_our_style(client.get("/accounts/login/"))
    assert "Sign in with" not in page
    assert 'class="providers"' not in page
    assert page.count("<form") == 1


def test_a_provider_renders_as_a_sign_in_button_that_posts() -> None:
    # The element allauth.socialaccount's provider list renders for each configured provider;
    # its label is OKRS_OIDC_NAME as the admin wrote it (the round trip: tests/sso/).
    attrs = {"name": "Acme SSO", "provider_id": "openid_connect", "href": "/accounts/oidc/login/"}
    html = render_to_string("allauth/elements/provider.html", {"attrs": attrs, "csrf_token": "t"})
    assert '<form method="post" action="/accounts/oidc/login/">' in html
    assert 'name="csrfmiddlewaretoken" value="t"' in html
    assert '<button type="submit" class="secondary sso">Acme SSO</button>' in html
