"""401 for a request that proves no one, whatever its method; 403 for a known caller who may not.

A signed-in browser session keeps its CSRF check on writes: a page on another site must not be
able to post check-ins with a signed-in person's cookie.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from okrs.goals.checkins.models import CheckIn
from okrs.org.models import ApiToken

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

CHECK_IN = "/api/v1/key-results/deploys-advantage%2Flead-time/check-ins"
BODY = json.dumps({"value": 50, "confidence": "on_track"})

ROUTES = [
    ("get", "/api/v1/cycles"),
    ("get", "/api/v1/objectives"),
    ("get", "/api/v1/objectives/deploys-advantage"),
    ("get", "/api/v1/key-results/deploys-advantage%2Flead-time"),
    ("get", "/api/v1/dashboard"),
    ("get", "/api/v1/alignment"),
    ("get", "/api/v1/dora"),
    ("post", CHECK_IN),
    ("post", "/api/v1/okrs:lint"),
]


def call(client: Client, method: str, url: str) -> Response:
    if method == "post":
        return client.post(url, BODY, content_type="application/json")
    return client.get(url)


@pytest.mark.parametrize(("method", "url"), ROUTES)
@pytest.mark.parametrize(
    "credentials",
    [None, "Bearer okrs_not-a-real-token", "Basic YWRhOnNlY3JldA==", "Bearer "],
)
def test_no_valid_credentials_is_401_whatever_the_method(
    world, method: str, url: str, credentials: str | None
) -> None:
    # enforce_csrf_checks: as a browser or a script would meet it, not the test client's bypass.
    headers = {"Authorization": credentials} if credentials else {}
    client = Client(enforce_csrf_checks=True, headers=headers)
    response = call(client, method, url)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("not signed in")
    assert response["WWW-Authenticate"] == "Bearer"
    assert CheckIn.objects.count() == 0


def test_a_stale_session_cookie_is_401(world) -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = "no-such-session-key"
    response = call(client, "post", CHECK_IN)
    assert response.status_code == 401
    assert CheckIn.objects.count() == 0


def signed_in_browser(world, person) -> tuple[Client, str]:
    """A browser that signed in and loaded a page, so it holds the CSRF cookie."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    assert client.get("/").status_code == 200
    return client, client.cookies["csrftoken"].value


def test_a_signed_in_session_without_its_csrf_token_is_403(world) -> None:
    client, _ = signed_in_browser(world, world.member)
    response = call(client, "post", CHECK_IN)
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF check Failed"}
    assert CheckIn.objects.count() == 0


def test_a_signed_in_session_with_its_csrf_token_checks_in(world) -> None:
    client, token = signed_in_browser(world, world.member)
    response = client.post(
        CHECK_IN, BODY, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201
    assert CheckIn.objects.get().source == "web"


def test_a_signed_in_session_reads_without_a_csrf_token(world) -> None:
    client, _ = signed_in_browser(world, world.viewer)
    assert client.get("/api/v1/cycles").status_code == 200


def test_a_known_caller_who_may_not_check_in_gets_403(world) -> None:
    response = world.client_for(world.viewer).post(CHECK_IN, BODY, content_type="application/json")
    assert response.status_code == 403
    assert "may not check in on deploys-advantage/lead-time" in response.json()["detail"]
    assert CheckIn.objects.count() == 0


def test_a_token_needs_no_csrf_token(world) -> None:
    _, token = ApiToken.issue(world.member, "script")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})
    response = call(client, "post", CHECK_IN)
    assert response.status_code == 201
    assert CheckIn.objects.get().source == "api"
