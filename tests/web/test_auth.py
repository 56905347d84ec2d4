"""Signing in and out, rate limits, and mail that never leaks into the log.

The pages themselves, sign-up and the password reset: test_signin_page.py, test_signup_closed.py,
test_password_reset_*.py.
"""

from __future__ import annotations

from django.core.cache import cache
from django.test import Client

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
