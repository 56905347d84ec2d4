"""Whatever a provider sends wrong gets a SCIM error with the right 4xx, scimType and detail,
and changes nothing; never a server error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from okrs.org.models import AuditEntry, Person
from okrs.scim.models import ScimToken
from tests.conftest import World

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def scim(world: World) -> Client:
    _, token = ScimToken.issue("tests")
    return Client(headers={"Authorization": f"Bearer {token}"})


def _send(client: Client, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    if body is None:
        response = getattr(client, method)(path)
    else:
        data = body if isinstance(body, str) else json.dumps(body)
        response = getattr(client, method)(path, data, content_type="application/scim+json")
    assert response["Content-Type"] == "application/scim+json"
    payload = response.json()
    assert payload["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert payload["status"] == str(response.status_code)
    return response.status_code, payload


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "scim_type", "detail"),
    [
        ("post", "/scim/v2/Users", "{not json", 400, "invalidSyntax", "not JSON"),
        ("post", "/scim/v2/Users", "[1, 2]", 400, "invalidSyntax", "JSON object"),
        ("post", "/scim/v2/Users", {"schemas": [USER], "emails": [{"value": "a@acme.test"}]},
         400, "invalidValue", "userName"),
        ("post", "/scim/v2/Users", {"schemas": [USER], "userName": "nomail", "emails": []},
         400, "invalidValue", "emails"),
        ("post", "/scim/v2/Users",
         {"schemas": [USER], "userName": "x", "emails": [{"value": "not-an-email"}]},
         400, "invalidValue", "email address"),
        ("post", "/scim/v2/Users",
         {"schemas": [USER], "userName": "maya@acme.test", "emails": [{"value": "m2@acme.test"}]},
         409, "uniqueness", "userName maya@acme.test is taken"),
        ("post", "/scim/v2/Users",
         {"schemas": [USER], "userName": "maya2", "emails": [{"value": "MAYA@acme.test"}]},
         409, "uniqueness", "maya@acme.test belongs to another person"),
        ("get", "/scim/v2/Users/424242", None, 404, None, "no User with id 424242"),
        ("get", "/scim/v2/Users/not-an-id", None, 404, None, "no User"),
        ("get", "/scim/v2/Users/99999999999999999999999", None, 404, None, "no User"),
        ("get", "/scim/v2/Groups/424242", None, 404, None, "no Group with id 424242"),
        ("get", "/scim/v2/Pets", None, 404, None, "no SCIM endpoint /scim/v2/Pets"),
        ("post", "/scim/v2/Schemas", {}, 405, None, "not allowed"),
        ("delete", "/scim/v2/Users", None, 405, None, "not allowed"),
        ("post", "/scim/v2/.search", {}, 501, None, "one resource type at a time"),
    ],
)  # fmt: skip
def test_a_bad_request_gets_a_scim_error(
    scim: Client, method: str, path: str, body: Any, status: int, scim_type: str | None,
    detail: str,
) -> None:  # fmt: skip
    before = (Person.objects.count(), AuditEntry.objects.count())
    code, payload = _send(scim, method, path, body)
    assert code == status
    assert payload.get("scimType") == scim_type
    assert detail in payload["detail"]
    assert (Person.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ('userName eq "unterminated', "invalid syntax"),
        ("userName zz 1", "invalid syntax"),
        ('nickName eq "x"', "nickName"),
        ('title eq "x"', "title"),
        ('userName gt "m"', "not supported"),
    ],
)
def test_a_filter_okrs_cannot_answer_is_refused(scim: Client, query: str, detail: str) -> None:
    response = scim.get("/scim/v2/Users", {"filter": query})
    assert response.status_code == 400
    payload = response.json()
    assert payload["scimType"] == "invalidFilter"
    assert detail.lower() in payload["detail"].lower()


def test_a_bad_patch_changes_nothing(scim: Client, world: World) -> None:
    path = f"/scim/v2/Users/{world.member.pk}"
    code, payload = _send(scim, "patch", path, {"schemas": [PATCH], "Operations": []})
    assert code == 400 and payload["scimType"] == "invalidValue"
    code, payload = _send(
        scim, "patch", path,
        {"schemas": [PATCH], "Operations": [{"op": "explode", "path": "active"}]},
    )  # fmt: skip
    assert code == 400
    # An email taken by someone else, in the middle of a patch that also deactivates: all or
    # nothing.
    code, payload = _send(
        scim, "patch", path,
        {"schemas": [PATCH], "Operations": [
            {"op": "replace", "path": "active", "value": False},
            {"op": "replace", "path": "emails", "value": [{"value": "owen@acme.test"}]},
        ]},
    )  # fmt: skip
    assert code == 409 and payload["scimType"] == "uniqueness"
    world.member.refresh_from_db()
    assert world.member.is_active and world.member.email == "maya@acme.test"


def test_the_user_list_answers_the_identity_providers_lookups(scim: Client, world: World) -> None:
    def ids(query: str) -> list[str]:
        response = scim.get("/scim/v2/Users", {"filter": query})
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["Resources"]]

    maya, owen = str(world.member.pk), str(world.other_member.pk)
    assert ids('userName eq "maya@acme.test"') == [maya]
    assert ids('emails eq "MAYA@acme.test"') == [maya]
    assert ids('emails[value eq "owen@acme.test"]') == [owen]
    assert ids('userName eq "maya@acme.test" or userName eq "owen@acme.test"') == sorted(
        [maya, owen], key=int
    )
    assert ids('userName sw "maya" and active eq true') == [maya]
    assert maya not in ids('not (userName eq "maya@acme.test")')


def test_a_page_past_the_end_is_empty(scim: Client, world: World) -> None:
    for start in ("8", "99999999999999999999999999"):
        response = scim.get("/scim/v2/Users", {"startIndex": start, "count": "5"})
        assert response.status_code == 200
        body = response.json()
        assert body["totalResults"] == Person.objects.count()
        assert body.get("Resources", []) == []
