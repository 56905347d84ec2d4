"""A person deactivated (by the identity provider, or an admin) gets no nudge, and what they
own is listed on the dashboard as needing a new owner; reactivated, they are back."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from okrs.nudges.planner import plan_nudges
from okrs.scim.models import ScimToken
from tests.conftest import World
from tests.web.test_dashboard import attention_group

# Monday 16 November 2026, 10:00 in London: the world's check-in day and hour.
MONDAY_10 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def scim(world: World) -> Client:
    _, token = ScimToken.issue("tests")
    return Client(headers={"Authorization": f"Bearer {token}"})


def _set_active(scim: Client, world: World, active: bool) -> None:
    body = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "path": "active", "value": active}],
    }
    response = scim.patch(
        f"/scim/v2/Users/{world.member.pk}", json.dumps(body), content_type="application/scim+json"
    )
    assert response.status_code == 200, response.content


def _nudged(now: dt.datetime) -> set[str]:
    plan = plan_nudges(now)
    emails = {p.id: p.email for p in plan.facts.people.values()}
    return {emails[d.person_id] for d in plan.decisions if d.action == "nudge"}


def test_a_deactivated_owner_is_not_nudged(scim: Client, world: World) -> None:
    assert "maya@acme.test" in _nudged(MONDAY_10)
    _set_active(scim, world, False)
    assert _nudged(MONDAY_10) == {"owen@acme.test"}
    _set_active(scim, world, True)
    assert "maya@acme.test" in _nudged(MONDAY_10)


def test_what_a_deactivated_person_owns_needs_a_new_owner(
    scim: Client, world: World, frozen_now: dt.datetime
) -> None:
    viewer = Client()
    viewer.force_login(world.admin)
    assert 'id="attention-needs_owner"' not in viewer.get("/").content.decode()

    _set_active(scim, world, False)
    html = viewer.get("/").content.decode()
    group = attention_group(html, "needs_owner")
    assert "Needs a new owner" in group
    assert "Reduce deployment lead time" in group
    assert "Keep the change failure rate below 5%" in group
    assert "Raise checkout conversion" not in group  # owen's, still here
    api = world.client_for(world.admin).get("/api/v1/dashboard").json()
    reasons = {row["ref"]: row["reasons"] for row in api["needs_attention"]}
    assert reasons["deploys-advantage/lead-time"][0] == "needs_owner"

    _set_active(scim, world, True)
    assert 'id="attention-needs_owner"' not in viewer.get("/").content.decode()


def test_a_deactivated_persons_session_ends(scim: Client, world: World) -> None:
    session = Client()
    session.force_login(world.member)
    assert session.get("/checkins/").status_code == 200
    _set_active(scim, world, False)
    page = session.get("/checkins/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
