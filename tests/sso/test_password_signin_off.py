"""OKRS_PASSWORD_SIGNIN=false: single sign-on is the only way in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import _password_hash
from tests.services import HANG_SECONDS
from tests.sso.conftest import (
    BUTTON,
    Provider,
    callback,
    sign_in_at_provider,
    signed_in_as,
    start_sign_in,
    use_provider,
)

PASSWORD = "correct-horse-battery"  # the world's people's (tests/conftest.py)


@pytest.fixture
def sso_only(settings, provider: Provider) -> None:
    use_provider(settings, provider)
    settings.PASSWORD_SIGNIN = False
    settings.SOCIALACCOUNT_ONLY = True


def test_the_sign_in_page_offers_only_single_sign_on(world, sso_only: None, client: Client) -> None:
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert f">{BUTTON}</button>".encode() in page.content
    assert b'name="password"' not in page.content
    assert b"Forgotten your password?" not in page.content
    assert b'<p class="or">' not in page.content


def test_a_password_sent_anyway_is_refused_by_the_server(
    world, sso_only: None, client: Client
) -> None:
    assert world.member.password == _password_hash()  # her password would work otherwise
    answer = client.post("/accounts/login/", {"login": "maya@acme.test", "password": PASSWORD})
    assert answer.status_code == 403
    assert signed_in_as(client) is None


def test_single_sign_on_still_signs_in(world, sso_only: None, client: Client) -> None:
    callback(client, sign_in_at_provider(start_sign_in(client), "maya"))
    assert signed_in_as(client) == "maya@acme.test"
    settings_page = client.get("/settings/")
    assert settings_page.status_code == 200
    assert b"Change your password" not in settings_page.content


def test_the_password_pages_are_gone(tmp_path: Path) -> None:
    # allauth drops them from its URLs when they are read, so okrs is started afresh with the
    # environment an admin would set.
    env = {
        **os.environ,
        "OKRS_DATA_DIR": str(tmp_path),
        # Its own database and queue in tmp_path, whatever the suite runs on.
        "OKRS_DATABASE_URL": "",
        "OKRS_QUEUE_URL": "",
        "OKRS_PASSWORD_SIGNIN": "false",
        "OKRS_OIDC_ISSUER": "https://idp.acme.test",
        "OKRS_OIDC_CLIENT_ID": "okrs",
        "OKRS_OIDC_CLIENT_SECRET": "not-used-here",
        "DJANGO_SETTINGS_MODULE": "okrs.settings",
    }
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from django.test import Client\n"
        "for path in ('/accounts/password/reset/', '/accounts/password/change/',"
        " '/accounts/login/'):\n"
        "    print(path, Client().get(path).status_code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == [
        "/accounts/password/reset/ 404",
        "/accounts/password/change/ 404",
        "/accounts/login/ 200",
    ]
