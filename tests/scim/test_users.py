"""An identity provider managing people over SCIM, driven by scim2-client against okrs served
on 127.0.0.1: create, find, update, deactivate, reactivate, delete; what a deactivated person
can no longer do, and what they keep."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from scim2_models import Error, PatchOp, ScimFilter, SearchRequest

from okrs.goals.checkins.models import CheckIn
from okrs.goals.checkins.services import record_checkin
from okrs.org.audit import Actor
from okrs.org.models import ApiToken, AuditEntry, Person
from tests.conftest import World

PASSWORD = "correct-horse-battery"  # the world's people's password


def _user(scim: Any, payload: dict[str, Any]) -> Any:
    model = scim.get_resource_model("User")
    assert model is not None
    return model.model_validate(
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], **payload}
    )


def _patch(scim: Any, operations: list[dict[str, Any]]) -> Any:
    model = scim.get_resource_model("User")
    return PatchOp[model].model_validate({"Operations": operations})  # type: ignore[valid-type]


def _signs_in(email: str) -> bool:
    client = Client()
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    return response.status_code == 302 and "/accounts/" not in response["Location"]


@pytest.fixture
def world_served(transactional_db: None, world: World) -> World:
    return world


def test_a_provider_creates_finds_and_updates_a_person(world_served: World, scim: Any) -> None:
    created = scim.create(
        _user(
            scim,
            {
                "userName": "nia.okafor@acme.test",
                "externalId": "00u1abcd",
                "name": {"givenName": "Nia", "familyName": "Okafor"},
                "emails": [{"value": "Nia.Okafor@acme.test", "type": "work", "primary": True}],
                "active": True,
            },
        )
    )
    person = Person.objects.get(email="nia.okafor@acme.test")
    assert person.name == "Nia Okafor"
    assert person.is_active and person.role == "member"
    assert created.id == str(person.pk)

    # The provider looks people up by userName, and by email, before creating them.
    model = scim.get_resource_model("User")
    by_user_name = scim.query(
        model,
        query_parameters=SearchRequest(filter=ScimFilter('userName eq "NIA.OKAFOR@acme.test"')),
    )
    by_email = scim.query(
        model,
        query_parameters=SearchRequest(filter=ScimFilter('emails.value eq "nia.okafor@acme.test"')),
    )
    assert [u.id for u in by_user_name.resources] == [created.id]
    assert [u.id for u in by_email.resources] == [created.id]
    # People okrs had before the provider came are found by their email as userName.
    maya = scim.query(
        model, query_parameters=SearchRequest(filter=ScimFilter('userName eq "maya@acme.test"'))
    )
    assert [u.id for u in maya.resources] == [str(world_served.member.pk)]
    none = scim.query(
        model, query_parameters=SearchRequest(filter=ScimFilter('userName eq "nobody@x.test"'))
    )
    assert none.total_results == 0 and not none.resources

    # A replace (PUT) renames them and changes their email.
    fetched = scim.query(model, created.id)
    fetched.emails[0].value = "nia@acme.test"
    fetched.display_name = "Nia O."
    replaced = scim.replace(fetched)
    person.refresh_from_db()
    assert (person.email, person.name) == ("nia@acme.test", "Nia O.")
    assert replaced.external_id == "00u1abcd"  # kept as the provider wrote it
    entries = AuditEntry.objects.filter(channel="scim", entity="person")
    assert {e.action for e in entries} == {"create", "update"}
    assert all(e.actor is None for e in entries)


def test_deactivating_a_person_stops_them_and_keeps_their_history(
    world_served: World, scim: Any
) -> None:
    maya = world_served.member
    record_checkin(key_result=world_served.lead_time, value=50, actor=Actor(maya, "web"))
    _, api_token = ApiToken.issue(maya, "laptop")
    assert _signs_in(maya.email)
    model = scim.get_resource_model("User")

    # Okta and Entra deactivate with a PATCH replacing active.
    patched = scim.modify(
        model, str(maya.pk), _patch(scim, [{"op": "replace", "path": "active", "value": False}])
    )
    assert patched.active is False
    maya.refresh_from_db()
    assert not maya.is_active
    assert not _signs_in(maya.email)
    api = Client(headers={"Authorization": f"Bearer {api_token}"})
    assert api.get("/api/v1/dashboard").status_code == 401
    # Their check-ins and the audit log stay; they still own their key results.
    assert CheckIn.objects.filter(key_result=world_served.lead_time, author=maya).count() == 1
    world_served.lead_time.refresh_from_db()
    assert world_served.lead_time.owner_id == maya.pk
    change = AuditEntry.objects.get(channel="scim", entity="person", ref=maya.email)
    assert change.before is not None and change.after is not None
    assert (change.before["is_active"], change.after["is_active"]) == (True, False)

    # Entra's way of writing it (no path, a value holding the attribute) reactivates.
    scim.modify(model, str(maya.pk), _patch(scim, [{"op": "replace", "value": {"active": True}}]))
    maya.refresh_from_db()
    assert maya.is_active
    assert _signs_in(maya.email)


def test_a_deleted_person_is_deactivated_and_can_be_provisioned_again(
    world_served: World, scim: Any
) -> None:
    owen = world_served.other_member
    model = scim.get_resource_model("User")
    scim.delete(model, str(owen.pk))

    owen.refresh_from_db()
    assert not owen.is_active
    assert Person.objects.filter(pk=owen.pk).exists()  # deactivated, never removed
    gone = scim.query(model, str(owen.pk), raise_scim_errors=False)
    assert isinstance(gone, Error) and gone.status == 404
    assert not _signs_in(owen.email)

    # Assigned to okrs again, the same person comes back with what they own.
    again = scim.create(
        _user(scim, {"userName": "owen@acme.test", "emails": [{"value": "owen@acme.test"}]})
    )
    owen.refresh_from_db()
    assert again.id == str(owen.pk) and owen.is_active
    assert owen.key_results.count() == 1


def test_pages_of_people_follow_start_index_and_count(world_served: World, scim: Any) -> None:
    model = scim.get_resource_model("User")
    everyone = Person.objects.count()  # the world's seven
    first = scim.query(model, query_parameters=SearchRequest(start_index=1, count=3))
    last = scim.query(model, query_parameters=SearchRequest(start_index=7, count=3))
    assert first.total_results == last.total_results == everyone
    assert (first.items_per_page, last.items_per_page) == (3, everyone - 6)
    seen = {u.id for u in first.resources} | {u.id for u in last.resources}
    assert len(seen) == 3 + everyone - 6
