"""Each page of the password reset renders in the app's style, worded for people."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from tests.web.signin_pages import assert_in_our_style, heading


def reset_link(client: Client, email: str) -> str:
    client.post("/accounts/password/reset/", {"email": email})
    found = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", str(mail.outbox[-1].body)
    )
    assert found is not None
    return found.group(1)


def test_the_request_page(db, client: Client) -> None:
    page = assert_in_our_style(client.get("/accounts/password/reset/"))
    assert heading(page) == "Reset your password"
    assert '<label for="id_email">Email:</label>' in page
    assert '<button type="submit">Send the link</button>' in page


def test_an_address_that_is_not_one_is_refused_in_words(db, client: Client) -> None:
    page = assert_in_our_style(client.post("/accounts/password/reset/", {"email": "nope"}))
    assert '<div class="field has-error" id="field-email">' in page
    assert "valid email address" in page


def test_the_done_page(db, client: Client) -> None:
    page = assert_in_our_style(client.get("/accounts/password/reset/done/"))
    assert heading(page) == "Check your email"
    assert "Ask an admin" in page


def test_the_from_key_page(world, client: Client) -> None:
    # allauth moves the key out of the address into the session, then shows the form.
    page = assert_in_our_style(client.get(reset_link(client, "maya@acme.test"), follow=True))
    assert heading(page) == "Choose a new password"
    assert '<label for="id_password1">New Password:</label>' in page
    assert '<button type="submit" name="action">Save the new password</button>' in page


def test_a_used_or_wrong_key(db, client: Client) -> None:
    page = assert_in_our_style(client.get("/accounts/password/reset/key/1-wrong/", follow=True))
    assert heading(page) == "This link no longer works"
    assert '<a href="/accounts/password/reset/">Ask for a new one</a>' in page


def test_the_from_key_done_page(db, client: Client) -> None:
    page = assert_in_our_style(client.get("/accounts/password/reset/key/done/"))
    assert heading(page) == "Password changed"
    assert '<a class="button" href="/accounts/login/">Sign in</a>' in page
