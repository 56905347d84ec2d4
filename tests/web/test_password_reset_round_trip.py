"""A forgotten password, end to end: ask, follow the mailed link, choose one, sign in with it."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from tests.conftest import World
from tests.web.signin_pages import heading

NEW_PASSWORD = "a-brand-new-passphrase"


def test_reset_then_sign_in_with_the_new_password(world: World, client: Client) -> None:
    asked = client.post("/accounts/password/reset/", {"email": "maya@acme.test"})
    assert asked.status_code == 302 and asked["Location"] == "/accounts/password/reset/done/"

    link = re.search(
        r"http://testserver(/accounts/password/reset/key/\S+)", str(mail.outbox[0].body)
    )
    assert link is not None
    form = client.get(link.group(1), follow=True)
    assert heading(form.content.decode()) == "Choose a new password"
    form_address = form.redirect_chain[-1][0]

    saved = client.post(form_address, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert saved.status_code == 302
    assert saved["Location"] == "/accounts/password/reset/key/done/"
    assert heading(client.get(saved["Location"]).content.decode()) == "Password changed"

    # The link worked once: following it again says so.
    again = client.get(link.group(1), follow=True)
    assert heading(again.content.decode()) == "This link no longer works"

    fresh = Client()
    refused = fresh.post(
        "/accounts/login/", {"login": "maya@acme.test", "password": "correct-horse-battery"}
    )
    assert "_auth_user_id" not in fresh.session and refused.status_code == 200
    signed_in = fresh.post(
        "/accounts/login/", {"login": "maya@acme.test", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/"
    assert fresh.session["_auth_user_id"] == str(world.member.pk)
