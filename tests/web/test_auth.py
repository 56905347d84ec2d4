"""Signing in and out, password reset by email, and no self-service sign-up."""

from __future__ import annotations

import re

from django.core import mail
from django.core.cache import cache
from django.test import Client

from okrs.org.models import Person

PASSWORD = "correct-horse-battery"


def test_sign_in_with_email_and_password(world, client: Client) -> None:
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b'name="login"' in page.content
    response = client.post("/accounts/login/", {"login": "maya@acme.test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.member.pk)


def test_a_wrong_password_is_refused(world, client: Client) -> None:
    response = client.post("/accounts/login/", {"login": "maya@acme.test", "password": "nope"})
    assert response.status_code == 200
    assert b"not correct" in response.content.lower() or b"incorrect" in response.content.lower()
    assert "_auth_user_id" not in client.session


def test_failed_sign_ins_are_rate_limited(world, client: Client) -> None:
    cache.clear()
    for attempt in range(6):
        client.post("/accounts/login/", {"login": "maya@acme.test", "password": f"x{attempt}"})
    # Even the right password is refused while the limit holds.
    right = client.post("/accounts/login/", {"login": "maya@acme.test", "password": PASSWORD})
    assert b"Too many failed login attempts" in right.content
    assert "_auth_user_id" not in client.session
    cache.clear()


def test_sign_out_is_a_post(world, client: Client) -> None:
    client.force_login(world.member)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_nobody_can_sign_themselves_up(db, client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@acme.test",
            "password1": "a-long-passphrase",
            "password2": "a-long-passphrase",
        },
    )
    assert not Person.objects.filter(email="new@acme.test").exists()
    assert response.status_code in (200, 302)


def test_password_reset_by_email(world, client: Client) -> None:
    response = client.post("/accounts/password/reset/", {"email": "maya@acme.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maya@acme.test"]
    link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", str(message.body))
    assert link is not None
    path = "/" + link.group(0).split("/", 3)[3]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )
    assert done.status_code == 302
    world.member.refresh_from_db()
    assert world.member.check_password("a-brand-new-passphrase")


def test_pages_need_sign_in(db, client: Client) -> None:
    response = client.get("/settings/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_without_smtp_mail_bodies_never_reach_the_log(caplog) -> None:
    from django.core.mail import EmailMessage

    from okrs.channels.email.unsent import UnsentMailBackend

    message = EmailMessage("Reset your password", "https://okrs/reset/key/SECRET", to=["a@x.test"])
    assert UnsentMailBackend().send_messages([message]) == 0
    assert "a@x.test" in caplog.text and "Reset your password" in caplog.text
    assert "SECRET" not in caplog.text


def test_the_favicon_is_found_where_browsers_look_for_it(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/static/web/favicon.svg")
