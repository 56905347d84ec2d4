"""The other pages allauth serves (sign out, password change, inactive account) in our style."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.test import Client

from tests.conftest import World
from tests.web.signin_pages import assert_in_our_style, heading


def test_the_sign_out_confirmation(world: World, client: Client) -> None:
    client.force_login(world.member)
    page = assert_in_our_style(client.get("/accounts/logout/"))
    assert heading(page) == "Sign out"
    assert '<nav aria-label="Main">' in page  # signed in: the app's navigation is there
    assert '<button type="submit">Sign out</button>' in page


def test_the_password_change_page(world: World, client: Client) -> None:
    client.force_login(world.member)
    page = assert_in_our_style(client.get("/accounts/password/change/"))
    assert heading(page) == "Change your password"
    assert '<label for="id_oldpassword">Current Password:</label>' in page


def test_a_wrong_current_password_is_refused(world: World, client: Client) -> None:
    client.force_login(world.member)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "wrong", "password1": "a-new-passphrase", "password2": "a-new-passphrase"},
    )
    page = assert_in_our_style(response)
    assert '<div class="field has-error" id="field-oldpassword">' in page
    world.member.refresh_from_db()
    assert world.member.check_password("correct-horse-battery")


def test_the_inactive_account_page(db, client: Client) -> None:
    page = assert_in_our_style(client.get("/accounts/inactive/"))
    assert heading(page) == "Account switched off"
    assert "ask an admin" in page


def test_confirming_it_is_you(world: World, client: Client) -> None:
    client.force_login(world.member)
    page = assert_in_our_style(client.get("/accounts/reauthenticate/"))
    assert heading(page) == "Confirm it is you"
    assert '<label for="id_password">Password:</label>' in page


def test_nobody_changes_their_own_email_address(world: World, client: Client) -> None:
    # The email names the person in the plan: adding one and making it primary would rename them.
    client.force_login(world.member)
    for path in ("/accounts/email/", "/accounts/confirm-email/", "/accounts/confirm-email/x/"):
        page = assert_in_our_style(client.get(path), status=404)
        assert heading(page) == "Your email address is set by an admin"
    response = client.post(
        "/accounts/email/", {"action_add": "", "email": "someone-else@acme.test"}
    )
    assert response.status_code == 404
    world.member.refresh_from_db()
    assert world.member.email == "maya@acme.test"
    assert not EmailAddress.objects.filter(email="someone-else@acme.test").exists()
