"""Fixes from the review of the Teams channel, each through the real endpoint:

1. only allowed tenants are heard, and a link is never moved from one Teams user to another;
2. a card's ids that no row can have are ignored, not a crash;
3. people's text in cards is shown literally, never as Markdown (no links from a title);
4. the key that signed a token must endorse the activity's channel;
5. a dead metadata server is asked again after minutes, not at every request.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
import time_machine

from okrs.channels.teams import auth, cards, config
from okrs.channels.teams.models import TeamsConversation
from okrs.checkins.models import CheckIn
from okrs.nudges.models import Nudge, NudgeKind
from okrs.nudges.sender import send_due
from okrs.org.models import AuditEntry, Person
from tests.conftest import World
from tests.fakes.teams import Member
from tests.teams.cardtools import press, text
from tests.teams.conftest import TENANT, TeamsDriver, chat_id, linked, user_id
from tests.teams.test_round_trip import deliver

EVIL_TENANT = "tenant-evil"
HUGE = 2**70


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


# --- 1. tenants and linking --------------------------------------------------------------------


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
    assert deleted.before["person"] == world.member.pk
    # Her new account is matched at its next message.
    teams.post(as_other_user(teams, world.member, user="29:maya-new", kind="message", text="hi"))
    assert TeamsConversation.objects.get(person=world.member).user_id == "29:maya-new"


# --- 2. ids no row can have --------------------------------------------------------------------


@pytest.mark.parametrize("verb", [cards.VERB_SAVE, cards.VERB_NO_CHANGE, cards.VERB_SNOOZE])
def test_huge_ids_in_a_card_action_are_ignored(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime, verb: str
) -> None:
    linked(teams, world.member)
    data = {
        "nudge": HUGE,
        "krs": [[HUGE, False], [-HUGE, False], [0, True], [str(HUGE), True]],
        cards.value_id(HUGE): "1",
        cards.confidence_id(HUGE): "on_track",
    }
    response = teams.invoke(world.member, verb, data)
    assert response.status_code == 200
    assert response.json()["type"] == "application/vnd.microsoft.card.adaptive"
    assert not CheckIn.objects.exists()
    assert not Nudge.objects.filter(kind=NudgeKind.SNOOZED).exists()


def test_in_range_ids_are_kept_beside_huge_ones() -> None:
    shown = cards.read_action_data({"nudge": 7, "krs": [[HUGE, False], [3, True], [2**63, 0]]})
    assert shown == cards.ActionData(7, ((3, True),))
    assert cards.read_action_data({"nudge": 2**63, "krs": []}).nudge_id is None
    assert cards.read_action_data({"nudge": 2**63 - 1}).nudge_id == 2**63 - 1


# --- 3. Markdown from people's text ------------------------------------------------------------

PHISH = "[Session expired - sign in](https://evil.test/login)"
# A Markdown link as a renderer sees it: brackets and parenthesis not escaped by a backslash.
LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\((?!\\)")


def clickable_links(card: dict[str, Any]) -> list[str]:
    return LINK.findall(text(card))


def test_a_title_shows_as_typed_in_the_checkin_card(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    world.lead_time.title = PHISH
    world.lead_time.unit = "*h*"
    world.lead_time.save()
    linked(teams, world.member)
    teams.post(teams.activity(world.member, "message", text="check in"))
    (card,) = teams.connector.cards(chat_id(world.member))
    assert clickable_links(card) == []
    assert r"\[Session expired - sign in\]\(https://evil.test/login\)" in text(card)
    assert r"\*h\*" in text(card)


def test_a_title_is_no_link_in_the_leads_digest(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    world.lead_time.title = PHISH
    world.lead_time.save()
    lead = world.platform_lead
    teams.connector.add_member(Member(id=user_id(lead), email=lead.email))
    linked(teams, lead)
    Nudge.objects.create(
        person=lead, kind=NudgeKind.DIGEST, week_start=frozen_now.date(),
        team_keys=["platform"], due_at=frozen_now, next_attempt_at=frozen_now,
    )  # fmt: skip
    send_due(now=lambda: frozen_now)
    (card,) = teams.connector.cards(chat_id(lead))
    assert "Session expired" in text(card)
    assert clickable_links(card) == ["[Open in okrs]("]  # only okrs's own link


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("a_b*c~d`e\\f", r"a\_b\*c\~d\`e\\f"),
        ("- not a list", r"\- not a list"),
        ("# not a heading", r"\# not a heading"),
        ("> no quote\n+ no item", "\\> no quote\n\\+ no item"),
        ("1. first", r"1\. first"),
        ("1.5 hours", "1.5 hours"),
    ],
)
def test_escaping(typed: str, shown: str) -> None:
    assert cards.escape_markdown(typed) == shown


# --- 4. endorsements ---------------------------------------------------------------------------


def test_a_key_that_does_not_endorse_teams_is_refused(world: World, teams: TeamsDriver) -> None:
    teams.login.rotate(endorsements=["webchat"])
    auth._keys_for(teams.login.metadata_url).client.cooldown_duration = 0
    response = teams.install(world.member)
    assert response.status_code == 401
    assert not TeamsConversation.objects.exists()
    assert teams.connector.calls == []


def test_an_activity_for_another_channel_is_refused(world: World, teams: TeamsDriver) -> None:
    response = teams.post(teams.install_activity(world.member, channelId="webchat"))
    assert response.status_code == 401
    assert not TeamsConversation.objects.exists()


# --- 5. metadata server down -------------------------------------------------------------------


def test_a_dead_metadata_server_is_retried_after_minutes_not_per_request(
    world: World, teams: TeamsDriver
) -> None:
    assert teams.install(world.member).status_code == 200
    assert teams.login.metadata_fetches == 1
    teams.login.metadata_down = True
    start = time.time()
    with time_machine.travel(start + auth.METADATA_TTL_SECONDS + 60, tick=False):
        # Past the TTL: the refetch fails, the keys we know still work...
        assert teams.install(world.other_member).status_code == 200
        assert teams.login.metadata_fetches == 2
        # ...and the next requests do not ask the dead server again.
        assert teams.install(world.viewer).status_code == 200
        assert teams.install(world.admin).status_code == 200
        assert teams.login.metadata_fetches == 2
    with time_machine.travel(start + auth.METADATA_TTL_SECONDS + 60 + 6 * 60, tick=False):
        assert teams.post(teams.activity(world.member, "typing")).status_code == 200
        assert teams.login.metadata_fetches == 3  # about five minutes later it tries again
