"""ID tokens that must not sign anyone in, from a real provider made to misbehave.

Each test checks the reason in the log as well as the refusal, so a refusal for some other
reason (a provider that did not start right) cannot pass for the one under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from tests.sso.conftest import (
    TESTSERVER_CALLBACK,
    Provider,
    callback,
    sign_in_at_provider,
    signed_in_as,
    start_provider,
    start_sign_in,
    use_provider,
)


@pytest.fixture
def wrong_audience(tmp_path: Path) -> Iterator[Provider]:
    # ID tokens issued for another application than okrs (token substitution).
    yield from start_provider(tmp_path, [TESTSERVER_CALLBACK], id_token_audience="another-app")


@pytest.fixture
def expired(tmp_path: Path) -> Iterator[Provider]:
    # The provider's clock is ten minutes behind and its ID tokens last one: each has expired
    # by okrs's clock when it arrives (the provider's own sessions and cookies still work).
    yield from start_provider(
        tmp_path, [TESTSERVER_CALLBACK], clock_offset_seconds=-600, id_token_ttl_seconds=60
    )


def test_an_id_token_for_another_audience_is_refused(
    world, client: Client, settings, wrong_audience: Provider, caplog
) -> None:
    use_provider(settings, wrong_audience)
    answer = callback(client, sign_in_at_provider(start_sign_in(client), "maya"))
    assert answer.status_code == 401 and b"Single sign-on failed" in answer.content
    assert signed_in_as(client) is None
    assert "ID token refused: Audience doesn't match" in caplog.text


def test_an_expired_id_token_is_refused(
    world, client: Client, settings, expired: Provider, caplog
) -> None:
    use_provider(settings, expired)
    answer = callback(client, sign_in_at_provider(start_sign_in(client), "maya"))
    assert answer.status_code == 401 and b"Single sign-on failed" in answer.content
    assert signed_in_as(client) is None
    assert "ID token refused: Signature has expired" in caplog.text


def test_a_provider_that_is_not_the_configured_issuer_is_refused(
    world, client: Client, settings, provider: Provider, caplog
) -> None:
    # The discovery document is fetched from the configured issuer; one that names another
    # issuer (here the same provider reached by another name) is not trusted.
    use_provider(settings, Provider(issuer=provider.issuer.replace("127.0.0.1", "localhost")))
    answer = client.post("/accounts/oidc/sso/login/")
    assert answer.status_code == 502 and b"Single sign-on unavailable" in answer.content
    assert "the discovery document names the issuer" in caplog.text
    assert signed_in_as(client) is None


def test_a_provider_that_cannot_be_reached_leaves_the_sign_in_page_usable(
    world, client: Client, settings, caplog
) -> None:
    import socket

    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    use_provider(settings, Provider(issuer=f"http://127.0.0.1:{port}"))
    answer = client.post("/accounts/oidc/sso/login/")
    assert answer.status_code == 502 and b"Single sign-on unavailable" in answer.content
    assert "single sign-on: cannot start a sign-in" in caplog.text
    assert client.get("/accounts/login/").status_code == 200
