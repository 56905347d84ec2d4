"""A real OpenID provider on 127.0.0.1 for the single sign-on tests, and a way through it.

The provider is node-oidc-provider (tests/sso/idp/provider.js, installed by `npm ci` there):
its own discovery document, keys, login form, PKCE and token endpoint. Without Node or the
installed package the tests are skipped here and fail under CI=true (tests/services.py).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from django.test import Client

from okrs.config import OidcConfig
from okrs.sso.configuration import CALLBACK_PATH, socialaccount_providers
from tests.services import HANG_SECONDS, require

IDP_DIR = Path(__file__).parent / "idp"
CLIENT_ID = "okrs"
CLIENT_SECRET = "okrs-test-client-secret-4f1c"
BUTTON = "Acme SSO"
# Who can sign in at the provider (the login typed into its form) and what it says of them.
ACCOUNTS: dict[str, dict[str, Any]] = {
    "maya": {"email": "maya@acme.test", "email_verified": True, "name": "Maya Patel"},
    "maya-unverified": {"email": "maya@acme.test", "email_verified": False, "name": "Maya"},
    # Microsoft Entra ID's way: an email claim and no email_verified at all.
    "maya-entra": {"email": "Maya@Acme.test", "name": "Maya Patel"},
    "nina": {"email": "nina@acme.test", "email_verified": True, "name": "Nina New"},
    "vic": {"email": "vic@acme.test", "email_verified": True, "name": "Vic Viewer"},
}


@dataclass
class Provider:
    issuer: str

    def config(self, **options: Any) -> OidcConfig:
        return OidcConfig(
            issuer=self.issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            name=BUTTON,
            **options,
        )


def node() -> str:
    path = shutil.which("node")
    require("Node.js", path is not None, "node is not installed")
    require(
        "oidc-provider",
        (IDP_DIR / "node_modules" / "oidc-provider").is_dir(),
        "run `npm ci` in tests/sso/idp",
    )
    assert path is not None
    return path


def start_provider(
    workdir: Path, redirect_uris: list[str], **misbehaviour: Any
) -> Iterator[Provider]:
    config = workdir / "idp.json"
    config.write_text(
        json.dumps(
            {
                "clients": [
                    {
                        "client_id": CLIENT_ID,
                        "client_secret": CLIENT_SECRET,
                        "redirect_uris": redirect_uris,
                    }
                ],
                "accounts": ACCOUNTS,
                **misbehaviour,
            }
        )
    )
    process = subprocess.Popen(
        [node(), str(IDP_DIR / "provider.js"), str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "listening ISSUER", once it serves
        if not line.startswith("listening "):
            process.kill()
            raise RuntimeError(f"the OpenID provider did not start: {process.communicate()}")
        yield Provider(issuer=line.split()[1])
    finally:
        process.terminate()
        process.wait(timeout=HANG_SECONDS)


TESTSERVER_CALLBACK = f"http://testserver{CALLBACK_PATH}"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """A well-behaved provider, for the Django test client (http://testserver)."""
    yield from start_provider(tmp_path_factory.mktemp("idp"), [TESTSERVER_CALLBACK])


def use_provider(settings: Any, provider: Provider, **options: Any) -> None:
    """Configure okrs for `provider` as OKRS_OIDC_* would (okrs/settings.py)."""
    settings.OIDC = provider.config(**options)
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(settings.OIDC)


def start_sign_in(client: Client) -> str:
    """Press the sign-in page's button; the provider's authorization URL okrs redirects to."""
    response = client.post("/accounts/oidc/sso/login/")
    assert response.status_code == 302, response.content
    return str(response["Location"])


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def sign_in_at_provider(authorization_url: str, login: str) -> str:
    """Go through the provider's own login form as a browser would; the URL it sends back to.

    Follows the provider's redirects and submits its form with `login`; stops at the first
    redirect that leaves the provider (to okrs's callback) and returns it.
    """
    session = requests.Session()
    issuer = urlsplit(authorization_url).netloc
    url, submitted = authorization_url, False
    for _ in range(20):
        response = session.get(url, allow_redirects=False, timeout=HANG_SECONDS)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if urlsplit(url).netloc != issuer:
                return url
            continue
        assert response.status_code == 200, response.text
        assert not submitted, f"the provider asked again: {response.text}"
        action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        assert action is not None, response.text
        answer = session.post(
            urljoin(url, unescape(action.group(1))),
            data={"prompt": "login", "login": login, "password": "any"},
            allow_redirects=False,
            timeout=HANG_SECONDS,
        )
        assert answer.is_redirect, answer.text
        url, submitted = urljoin(url, answer.headers["Location"]), True
    raise AssertionError("the provider never sent the browser back")


def callback(client: Client, url: str) -> Any:
    """okrs's answer to the provider sending the browser back to `url`."""
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def signed_in_as(client: Client) -> str | None:
    from okrs.org.models import Person

    person_id = client.session.get("_auth_user_id")
    if person_id is None:
        return None
    return str(Person.objects.get(pk=person_id).email)
