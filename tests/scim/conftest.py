"""A SCIM client (scim2-client over httpx2) talking to okrs served on 127.0.0.1 by
pytest-django's live server, with a SCIM token made the way `okrs token create --scim` does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient

from okrs.scim.models import ScimToken
from tests.services import HANG_SECONDS


@pytest.fixture
def scim_token(transactional_db: None) -> str:
    _, token = ScimToken.issue("tests")
    return token


@pytest.fixture
def scim_http(live_server: Any, scim_token: str) -> Iterator[httpx2.Client]:
    with httpx2.Client(
        base_url=f"{live_server.url}/scim/v2",
        headers={"Authorization": f"Bearer {scim_token}"},
        # A loaded machine answers slowly, not wrongly: only a hung server ends the wait.
        timeout=HANG_SECONDS,
    ) as client:
        yield client


@pytest.fixture
def scim(scim_http: httpx2.Client) -> SyncSCIMClient:
    """A client that has read the server's /Schemas, /ResourceTypes and config."""
    client = SyncSCIMClient(scim_http)
    client.discover()
    return client
