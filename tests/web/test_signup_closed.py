"""/accounts/signup/ says plainly that an admin creates accounts, and creates none itself."""

from __future__ import annotations

from django.test import Client

from okrs.org.models import Person
from tests.web.signin_pages import assert_in_our_style, heading


def test_the_signup_address_says_an_admin_creates_accounts(db, client: Client) -> None:
    page = assert_in_our_style(client.get("/accounts/signup/"))
    assert heading(page) == "Accounts are created by an admin"
    assert "closed" not in page.lower()
    assert '<a href="/accounts/login/">Sign in</a>' in page


def test_posting_to_it_creates_nobody(db, client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@acme.test",
            "password1": "a-long-passphrase",
            "password2": "a-long-passphrase",
        },
    )
    assert heading(assert_in_our_style(response)) == "Accounts are created by an admin"
    assert not Person.objects.filter(email="new@acme.test").exists()
