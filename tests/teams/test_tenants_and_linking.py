"""Only allowed tenants are heard, and a link is never moved from one Teams user to another.

Each through the real endpoint: an activity from a foreign tenant (or with no tenant
configured) is refused and changes nothing; another user claiming a linked person's email is
refused and audited; the admin unlinks a stale account and the new one links after.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from okrs.channels.teams import config
from okrs.channels.teams.models import TeamsConversation
from okrs.goals.checkins.models import CheckIn
from okrs.org.models import AuditEntry, Person
from tests.conftest import World
from tests.fakes.teams import Member
from tests.teams.cardtools import press, text
from tests.teams.conftest import TENANT, TeamsDriver, chat_id, linked, user_id
from tests.teams.test_round_trip import deliver

EVIL_TENANT = "tenant-evil"


def as_other_user(
    teams: TeamsDriver, person: Person, *, user: str, tenant: str = TENANT, kind: str = "", **f: Any
) -> dict[str, Any]:
    """An activity from another Teams user (`user`, in `tenant`) in their own chat."""
    if kind:
        activity = teams.activity(person, kind, **f)
    else:
        activity = teams.install_activity(person, **f)
        activity["membersAdded"] = [{"id": activity["recipient"]["id"]}, {"id": user}]
    activity["from"] = {"id": user, "aadObjectId": f"aad-{user}"}
    activity["conversation"] = {
        "id": f"a:chat-{user}",
        "conversationType": "personal",
        "tenantId": tenant,
    }
    activity["channelData"] = {"tenant": {"id": tenant}}
    return activity


def link_state() -> list[tuple[Any, ...]]:
    return list(
        TeamsConversation.objects.order_by("pk").values_list(
            "pk", "person_id", "tenant_id", "user_id", "conversation_id", "service_url"
        )
    )


def test_an_activity_from_a_foreign_tenant_is_refused_and_changes_nothing(
    world: World, teams: TeamsDriver
) -> None:
    mine = linked(teams, world.member)
    # The attacker's own tenant, whose admin gave a user maya's email address.
    teams.connector.add_member(
        Member(id="29:mallory", email=world.member.email, tenant_id=EVIL_TENANT)
    )
    before, audit_before = link_state(), AuditEntry.objects.count()

    for activity in (
        as_other_user(teams, world.member, user="29:mallory", tenant=EVIL_TENANT),
        as_other_user(
            teams,
            world.member,
            user="29:mallory",
            tenant=EVIL_TENANT,
            kind="installationUpdate",
            action="add",
        ),
        as_other_user(teams, world.member, user="29:mallory", tenant=EVIL_TENANT, kind="message"),
    ):
        response = teams.post(activity)
        assert response.status_code == 403
        assert "tenant" in response.json()["detail"]

    # The same user id, naming our tenant in one place and theirs in the other.
    mixed = teams.install_activity(world.member)
    mixed["channelData"] = {"tenant": {"id": EVIL_TENANT}}
    assert teams.post(mixed).status_code == 403

    assert link_state() == before
    assert TeamsConversation.objects.get().pk == mine.pk
    assert AuditEntry.objects.count() == audit_before
    assert teams.connector.calls == []  # nobody was even looked up


def test_with_no_tenant_configured_every_activity_is_refused(
    world: World, teams: TeamsDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "settings", config.current().with_changes(allowed_tenants=()))
    response = teams.install(world.member)
    assert response.status_code == 403
    assert "OKRS_TEAMS_ALLOWED_TENANTS" in response.json()["detail"]
    assert not TeamsConversation.objects.exists()


def test_allowed_tenants_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OKRS_TEAMS_ALLOWED_TENANTS", raising=False)
    monkeypatch.delenv("OKRS_TEAMS_TENANT_ID", raising=False)
    assert config.load().tenants == frozenset()
    monkeypatch.setenv("OKRS_TEAMS_TENANT_ID", "AAAA-1")
    assert config.load().tenants == {"aaaa-1"}  # the single-tenant bot's own tenant
    monkeypatch.setenv("OKRS_TEAMS_ALLOWED_TENANTS", " bbbb-2, CCCC-3,, ")
    loaded = config.load()
    assert loaded.tenants == {"bbbb-2", "cccc-3"}  # the list wins
    assert loaded.allows("CCCC-3") and not loaded.allows("aaaa-1") and not loaded.allows("")


def test_the_same_user_installing_again_in_our_tenant_is_fine(
    world: World, teams: TeamsDriver
) -> None:
    first = linked(teams, world.member)
    # Reinstalled: Teams may hand out a new chat (and region) for the same user.
    response = teams.install(world.member, conversation={
        "id": "a:chat-maya-new", "conversationType": "personal", "tenantId": TENANT,
    })  # fmt: skip
    assert response.status_code == 200
    (again,) = TeamsConversation.objects.all()
    assert (again.pk, again.person) == (first.pk, world.member)
    assert again.conversation_id == "a:chat-maya-new"
    assert not AuditEntry.objects.filter(action="refuse").exists()


def test_another_user_claiming_a_linked_email_is_refused_and_audited(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    _, card = deliver(world, teams, frozen_now)  # maya is linked and has her nudge
    maya_before = link_state()
    # Another user of our own tenant whose directory entry was given maya's email.
    teams.connector.add_member(Member(id="29:impostor", email=world.member.email))

    response = teams.post(as_other_user(teams, world.member, user="29:impostor"))

    assert response.status_code == 200
    mine = TeamsConversation.objects.get(person=world.member)
    assert (mine.user_id, mine.conversation_id) == (user_id(world.member), chat_id(world.member))
    assert link_state()[0] == maya_before[0]  # her link is untouched
    impostor = TeamsConversation.objects.get(user_id="29:impostor")
    assert impostor.person is None  # kept unmatched
    refusal = AuditEntry.objects.get(action="refuse", entity="teams_conversation")
    assert refusal.ref == f"{TENANT}/29:impostor"
    assert refusal.after is not None
    assert refusal.after["claimed_person"] == world.member.pk
    assert not AuditEntry.objects.filter(action="delete").exists()

    # Nor can the impostor check in as her by pressing her card's button.
    verb, data = press(card, "No change")
    impostor_press = as_other_user(
        teams, world.member, user="29:impostor", kind="invoke", name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}},
    )  # fmt: skip
    answer = teams.post(impostor_press).json()
    assert "could not match your Teams account" in text(answer["value"])
    assert not CheckIn.objects.exists()
    assert TeamsConversation.objects.get(person=world.member).pk == mine.pk


def test_a_linked_user_whose_email_changes_stays_with_their_person(
    world: World, teams: TeamsDriver
) -> None:
    mine = linked(teams, world.member)
    teams.connector.add_member(Member(id=user_id(world.member), email=world.other_member.email))
    assert teams.install(world.member).status_code == 200
    mine.refresh_from_db()
    assert mine.person == world.member
    assert not TeamsConversation.objects.filter(person=world.other_member).exists()
    assert AuditEntry.objects.filter(action="refuse").count() == 1


def test_the_admin_unlinks_and_the_new_account_links_after(
    world: World, teams: TeamsDriver
) -> None:
    old = linked(teams, world.member)
    teams.connector.add_member(Member(id="29:maya-new", email=world.member.email))
    teams.post(as_other_user(teams, world.member, user="29:maya-new"))
    assert TeamsConversation.objects.get(user_id="29:maya-new").person is None

    teams.client.force_login(world.member)
    refused = teams.client.post(f"/settings/teams/unlink/{old.pk}/")
    assert refused.status_code == 403  # admins only
    assert TeamsConversation.objects.filter(pk=old.pk).exists()

    teams.client.force_login(world.admin)
    page = teams.client.get("/settings/teams/")
    assert f"/settings/teams/unlink/{old.pk}/" in page.content.decode()
    assert teams.client.post(f"/settings/teams/unlink/{old.pk}/").status_code == 302

    assert not TeamsConversation.objects.filter(pk=old.pk).exists()
    deleted = AuditEntry.objects.get(action="delete", entity="teams_conversation")
    assert (deleted.actor, deleted.channel) == (world.admin, "web")
    assert deleted.before is not None
    assert deleted.before["person"] == world.member.pk
    # Her new account is matched at its next message.
    teams.post(as_other_user(teams, world.member, user="29:maya-new", kind="message", text="hi"))
    assert TeamsConversation.objects.get(person=world.member).user_id == "29:maya-new"
