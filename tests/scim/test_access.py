"""Who may use /scim/v2/: only a SCIM token, made by `okrs token create --scim`; and a SCIM
token opens nothing else."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from okrs.cli import main
from okrs.org.models import AuditEntry
from okrs.scim.models import ScimToken
from tests.conftest import World


def _scim_token(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["token", "create", "--scim", "--name", "okta"]) == 0
    return capsys.readouterr().out.strip()


def test_the_command_prints_a_scim_token_once_and_keeps_only_its_hash(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _scim_token(capsys)
    assert token.startswith("okrs_scim_")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/scim/v2/Users").status_code == 200
    assert not ScimToken.objects.filter(digest=token).exists()
    entry = AuditEntry.objects.get(entity="scim_token")
    assert entry.channel == "cli" and entry.after == {"name": "okta", "hint": token[:16]}
    assert token not in json.dumps(list(AuditEntry.objects.values("before", "after")))


def test_a_scim_token_is_for_no_person(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "create", "maya@acme.test", "--scim"]) == 2
    assert "belongs to no person" in capsys.readouterr().err
    assert not ScimToken.objects.exists()


def test_a_scim_token_opens_neither_the_api_nor_the_pages(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _scim_token(capsys)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/dashboard").status_code == 401
    check_in = client.post(
        "/api/v1/key-results/deploys-advantage%2Flead-time/check-ins",
        {"value": 40},
        content_type="application/json",
    )
    assert check_in.status_code == 401
    assert not world.lead_time.checkins.exists()
    page = client.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


def test_only_a_scim_token_opens_scim(world: World) -> None:
    api_client = world.client_for(world.admin)  # an admin's API token
    signed_in = Client()
    signed_in.force_login(world.admin)
    for client in (Client(), api_client, signed_in):
        response = client.get("/scim/v2/Users")
        assert response.status_code == 401
        assert response["Content-Type"] == "application/scim+json"
        assert response["WWW-Authenticate"].startswith("Bearer")
        body = response.json()
        assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        assert body["status"] == "401"
    # Writes are refused before their body is read.
    posted = api_client.post("/scim/v2/Users", "not json", content_type="application/scim+json")
    assert posted.status_code == 401


def test_a_revoked_scim_token_opens_nothing(world: World) -> None:
    row, token = ScimToken.issue("old")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/scim/v2/Groups").status_code == 200
    ScimToken.objects.filter(pk=row.pk).update(revoked_at="2026-11-01T00:00:00Z")
    assert client.get("/scim/v2/Groups").status_code == 401


def test_the_command_revokes_a_scim_token_by_its_first_characters(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _scim_token(capsys)
    other = _scim_token(capsys)
    assert main(["token", "revoke", "--scim", token[:14]]) == 0
    assert "revoked" in capsys.readouterr().out
    assert (
        Client(headers={"Authorization": f"Bearer {token}"}).get("/scim/v2/Users").status_code
        == 401
    )
    assert (
        Client(headers={"Authorization": f"Bearer {other}"}).get("/scim/v2/Users").status_code
        == 200
    )
    assert main(["token", "revoke", "--scim", token[:14]]) == 1  # already revoked
    assert main(["token", "revoke", "--scim", "okrs_scim_"]) == 2  # names every token
    entry = AuditEntry.objects.get(entity="scim_token", action="update")
    assert entry.after is not None and entry.after["revoked_at"]
