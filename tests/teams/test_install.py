"""Installing the app personally links a person by email; their timezone comes from Teams when
they have none; removing the app forgets where to reach them."""

from __future__ import annotations

from okrs.channels.base import channel_for
from okrs.channels.teams.models import TeamsConversation
from okrs.org.models import AuditEntry
from tests.conftest import World
from tests.fakes.teams import Member
from tests.teams.cardtools import text
from tests.teams.conftest import BOT_ID, TENANT, TeamsDriver, chat_id, linked, user_id


def test_install_stores_the_reference_and_matches_by_email(
    world: World, teams: TeamsDriver
) -> None:
    conversation = linked(teams, world.member, forget_calls=False)

    assert conversation.person == world.member  # MAYA@ACME.TEST in Teams matches maya@acme.test
    assert conversation.service_url == teams.connector.url
    assert conversation.conversation_id == chat_id(world.member)
    assert (conversation.tenant_id, conversation.user_id) == (TENANT, user_id(world.member))
    assert conversation.bot_id == BOT_ID
    assert conversation.aad_object_id == f"aad-{world.member.pk}"
    (lookup,) = teams.connector.calls_to("members")
    assert (
        lookup.path == f"/v3/conversations/{chat_id(world.member)}/members/{user_id(world.member)}"
    )
    world.member.refresh_from_db()
    assert world.member.channel == "teams"  # installing is asking for nudges here
    assert channel_for(world.member).name == "teams"
    assert AuditEntry.objects.filter(entity="teams_conversation", action="create").count() == 1
    assert AuditEntry.objects.filter(entity="person", ref=world.member.email).exists()


def test_the_person_is_welcomed_once(world: World, teams: TeamsDriver) -> None:
    linked(teams, world.member, forget_calls=False)
    (welcome,) = teams.connector.cards(chat_id(world.member))
    assert "linked to okrs as maya@acme.test" in text(welcome)
    # Teams sends installationUpdate and conversationUpdate for one installation.
    teams.post(teams.activity(world.member, "installationUpdate", action="add"))
    assert len(teams.connector.cards(chat_id(world.member))) == 1


def test_installing_again_changes_nothing(world: World, teams: TeamsDriver) -> None:
    linked(teams, world.member)
    entries = AuditEntry.objects.count()
    linked(teams, world.member)
    assert TeamsConversation.objects.count() == 1
    assert AuditEntry.objects.count() == entries


def test_installation_update_activity_links_too(world: World, teams: TeamsDriver) -> None:
    response = teams.post(teams.activity(world.other_member, "installationUpdate", action="add"))
    assert response.status_code == 200
    assert teams.conversation(world.other_member) is not None


def test_someone_on_slack_keeps_slack(world: World, teams: TeamsDriver) -> None:
    world.member.channel = "slack"
    world.member.save()
    linked(teams, world.member)
    world.member.refresh_from_db()
    assert world.member.channel == "slack"


def test_an_unknown_email_is_kept_unmatched(world: World, teams: TeamsDriver) -> None:
    teams.connector.add_member(Member(id=user_id(world.viewer), email="vic@elsewhere.test"))
    assert teams.install(world.viewer).status_code == 200
    (conversation,) = TeamsConversation.objects.all()
    assert conversation.person is None
    assert conversation.email == "vic@elsewhere.test"
    (hello,) = teams.connector.cards(chat_id(world.viewer))
    assert "could not match your Teams account" in text(hello)
    world.viewer.refresh_from_db()
    assert world.viewer.channel == "email"


def test_timezone_learned_when_the_person_has_none(world: World, teams: TeamsDriver) -> None:
    world.member.timezone = ""
    world.member.save()
    teams.install(world.member, localTimezone="America/Los_Angeles")
    world.member.refresh_from_db()
    assert world.member.timezone == "America/Los_Angeles"
    entry = AuditEntry.objects.get(entity="person", after={"timezone": "America/Los_Angeles"})
    assert entry.channel == "teams" and entry.before == {"timezone": ""}


def test_timezone_never_overrides_a_chosen_one(world: World, teams: TeamsDriver) -> None:
    world.member.timezone = "Europe/Berlin"
    world.member.save()
    teams.install(world.member, localTimezone="America/Los_Angeles")
    teams.post(teams.activity(world.member, "message", text="hi", localTimezone="Asia/Tokyo"))
    world.member.refresh_from_db()
    assert world.member.timezone == "Europe/Berlin"


def test_an_unknown_timezone_is_ignored(world: World, teams: TeamsDriver) -> None:
    world.member.timezone = ""
    world.member.save()
    teams.install(world.member, localTimezone="Mars/Olympus_Mons")
    world.member.refresh_from_db()
    assert world.member.timezone == ""


def test_removing_the_app_forgets_the_chat(world: World, teams: TeamsDriver) -> None:
    linked(teams, world.member)
    response = teams.post(teams.activity(world.member, "installationUpdate", action="remove"))
    assert response.status_code == 200
    assert not TeamsConversation.objects.exists()
    assert AuditEntry.objects.filter(entity="teams_conversation", action="delete").exists()
    assert channel_for(world.member).name == "email"


def test_a_team_channel_install_is_not_a_personal_link(world: World, teams: TeamsDriver) -> None:
    activity = teams.install_activity(world.member)
    activity["conversation"]["conversationType"] = "channel"
    assert teams.post(activity).status_code == 200
    assert not TeamsConversation.objects.exists()


def test_a_lookup_failure_keeps_the_reference_for_later(world: World, teams: TeamsDriver) -> None:
    teams.connector.fail_next("members", 503)
    assert teams.install(world.member).status_code == 200
    (conversation,) = TeamsConversation.objects.all()
    assert conversation.person is None
    # The first button press asks again and links her.
    teams.post(teams.activity(world.member, "installationUpdate", action="add"))
    assert teams.conversation(world.member) is not None


def test_a_message_to_the_bot_answers_with_a_checkin_card(
    world: World, teams: TeamsDriver, frozen_now: object
) -> None:
    linked(teams, world.member)
    response = teams.post(teams.activity(world.member, "message", text="check in"))
    assert response.status_code == 200
    (card,) = teams.connector.cards(chat_id(world.member))
    assert "2 key results due for a check-in" in text(card)
    assert world.lead_time.title in text(card)
    assert "Snooze" not in str(card)  # not a nudge: nothing to snooze


def test_a_message_from_a_stranger_is_answered_politely(world: World, teams: TeamsDriver) -> None:
    teams.connector.add_member(Member(id=user_id(world.viewer), email="vic@elsewhere.test"))
    teams.post(teams.activity(world.viewer, "message", text="hello"))
    (card,) = teams.connector.cards(chat_id(world.viewer))
    assert "could not match your Teams account" in text(card)
