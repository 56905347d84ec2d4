"""The password-reset mail: our subject and words, the link, none of allauth's boilerplate."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

ALLAUTH_BOILERPLATE = ("Hello from", "Thank you for using", "You're receiving this email", "[")


def test_the_reset_mail_has_the_link_in_our_words(world, client: Client) -> None:
    client.post("/accounts/password/reset/", {"email": "maya@acme.test"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maya@acme.test"]
    assert message.subject == "Reset your okrs password"
    body = str(message.body)
    assert body.startswith("Hello Maya Patel,\n")
    assert re.search(r"^http://testserver/accounts/password/reset/key/\S+$", body, re.MULTILINE)
    assert "If you did not ask, ignore this mail" in body
    for phrase in ALLAUTH_BOILERPLATE:
        assert phrase not in body
    assert not getattr(message, "alternatives", None)  # plain text only


def test_an_unknown_address_is_told_an_admin_adds_people(db, client: Client) -> None:
    client.post("/accounts/password/reset/", {"email": "stranger@acme.test"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "No okrs account uses this address"
    body = str(message.body)
    assert "ask an admin to add you" in body
    assert "/accounts/signup/" not in body and "sign up" not in body.lower()
    for phrase in ALLAUTH_BOILERPLATE:
        assert phrase not in body
