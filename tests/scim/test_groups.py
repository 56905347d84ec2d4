"""An identity provider's Groups are okrs teams: created, renamed, their members added, removed
and replaced, deleted; driven by scim2-client against okrs served on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest
from scim2_models import Error, PatchOp, ScimFilter, SearchRequest

from okrs.org.models import AuditEntry, Team
from tests.conftest import World


def _patch(scim: Any, operations: list[dict[str, Any]]) -> Any:
    model = scim.get_resource_model("Group")
    return PatchOp[model].model_validate({"Operations": operations})  # type: ignore[valid-type]


def _members(team: Team) -> set[str]:
    return set(team.members.values_list("email", flat=True))


@pytest.fixture
def world_served(transactional_db: None, world: World) -> World:
    return world


def test_a_group_becomes_a_team_and_its_members_follow_the_provider(
    world_served: World, scim: Any
) -> None:
    w = world_served
    model = scim.get_resource_model("Group")
    assert model is not None
    created = scim.create(
        model.model_validate(
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Site Reliability",
                "externalId": "grp-42",
                "members": [{"value": str(w.member.pk)}],
            }
        )
    )
    team = Team.objects.get(pk=int(created.id))
    assert (team.key, team.name) == ("site-reliability", "Site Reliability")
    assert _members(team) == {"maya@acme.test"}

    found = scim.query(
        model,
        query_parameters=SearchRequest(filter=ScimFilter('displayName eq "site reliability"')),
    )
    assert [g.id for g in found.resources] == [created.id]

    # Okta adds and removes members one PATCH at a time...
    scim.modify(
        model, created.id,
        _patch(scim, [{"op": "add", "path": "members", "value": [{"value": str(w.viewer.pk)}]}]),
    )  # fmt: skip
    assert _members(team) == {"maya@acme.test", "vic@acme.test"}
    scim.modify(
        model, created.id,
        _patch(scim, [{"op": "remove", "path": f'members[value eq "{w.member.pk}"]'}]),
    )  # fmt: skip
    assert _members(team) == {"vic@acme.test"}
    # ...Entra names the member to remove in the value...
    scim.modify(
        model, created.id,
        _patch(scim, [{"op": "remove", "path": "members", "value": [{"value": str(w.viewer.pk)}]}]),
    )  # fmt: skip
    assert _members(team) == set()
    # ...and a replace sets them all, with a new name.
    scim.modify(
        model, created.id,
        _patch(scim, [
            {"op": "replace", "path": "members",
             "value": [{"value": str(w.admin.pk)}, {"value": str(w.other_member.pk)}]},
            {"op": "replace", "path": "displayName", "value": "SRE"},
        ]),
    )  # fmt: skip
    team.refresh_from_db()
    assert team.name == "SRE" and team.key == "site-reliability"
    assert _members(team) == {"ada@acme.test", "owen@acme.test"}

    read = scim.query(model, created.id)
    assert {m.value for m in read.members} == {str(w.admin.pk), str(w.other_member.pk)}
    assert read.external_id == "grp-42"
    changes = AuditEntry.objects.filter(channel="scim", entity="team", ref="site-reliability")
    assert changes.filter(action="create").count() == 1
    assert changes.filter(action="update").count() == 4

    scim.delete(model, created.id)
    assert not Team.objects.filter(pk=team.pk).exists()
    assert AuditEntry.objects.filter(channel="scim", entity="team", action="delete").count() == 1


def test_a_team_the_plan_needs_is_not_deleted_and_the_provider_is_told_why(
    world_served: World, scim: Any
) -> None:
    model = scim.get_resource_model("Group")
    answer = scim.delete(model, str(world_served.platform.pk), raise_scim_errors=False)
    assert isinstance(answer, Error)
    assert answer.status == 409
    assert "platform still has objectives" in (answer.detail or "")
    assert Team.objects.filter(pk=world_served.platform.pk).exists()


def test_an_unknown_member_is_refused_and_changes_nothing(world_served: World, scim: Any) -> None:
    model = scim.get_resource_model("Group")
    answer = scim.modify(
        model, str(world_served.platform.pk),
        _patch(scim, [{"op": "add", "path": "members", "value": [{"value": "999999"}]}]),
        raise_scim_errors=False,
    )  # fmt: skip
    assert isinstance(answer, Error)
    assert (answer.status, answer.scim_type) == (400, "invalidValue")
    assert "no User with id 999999" in (answer.detail or "")
    assert _members(world_served.platform) == {"lena@acme.test", "maya@acme.test"}
