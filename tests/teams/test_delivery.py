"""Delivery through the nudge rows: 429 waits for Retry-After, an outage retries, a removed bot
falls back to email (and okrs stops trying Teams for that person)."""

from __future__ import annotations

import datetime as dt

import pytest

from okrs.channels.base import AlertMessage, DeliveryError, channel_for
from okrs.channels.teams import config
from okrs.channels.teams.channel import TeamsChannel
from okrs.channels.teams.errors import http_error
from okrs.channels.teams.models import TeamsConversation
from okrs.nudges.models import Nudge, NudgeKind, NudgeState
from okrs.nudges.sender import send_due
from tests.conftest import World
from tests.fakes.teams import Member
from tests.teams.cardtools import text
from tests.teams.conftest import TeamsDriver, chat_id, linked
from tests.teams.test_round_trip import planned_nudge


def test_429_waits_for_retry_after_without_counting_an_attempt(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    linked(teams, world.member)
    nudge = planned_nudge(world, frozen_now)
    teams.connector.fail_next("send", 429, retry_after=42)

    report = send_due(now=lambda: frozen_now)

    nudge.refresh_from_db()
    assert report.retried == 1
    assert nudge.state == NudgeState.PENDING
    assert nudge.next_attempt_at == frozen_now + dt.timedelta(seconds=42)
    assert nudge.attempts == 0
    assert "rate limited" in nudge.last_error
    send_due(now=lambda: frozen_now + dt.timedelta(seconds=42))
    nudge.refresh_from_db()
    assert nudge.state == NudgeState.SENT
    assert len(teams.connector.cards(chat_id(world.member))) == 1  # exactly one card


def test_403_bot_removed_falls_back_to_email(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime, mailoutbox: list
) -> None:
    linked(teams, world.member)
    nudge = planned_nudge(world, frozen_now)
    teams.connector.remove_bot(chat_id(world.member))

    send_due(now=lambda: frozen_now)

    nudge.refresh_from_db()
    assert nudge.state == NudgeState.FAILED
    assert "HTTP 403" in nudge.last_error
    copy = Nudge.objects.get(fallback_of=nudge)
    assert (copy.channel, copy.state) == ("email", NudgeState.SENT)
    assert [m.to for m in mailoutbox] == [[world.member.email]]
    assert not TeamsConversation.objects.filter(person=world.member).exists()
    assert channel_for(world.member).name == "email"


def test_an_outage_is_retried_with_backoff(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    linked(teams, world.member)
    nudge = planned_nudge(world, frozen_now)
    teams.connector.fail_next("send", 502)

    send_due(now=lambda: frozen_now)

    nudge.refresh_from_db()
    assert nudge.state == NudgeState.PENDING
    assert nudge.next_attempt_at > frozen_now
    assert "HTTP 502" in nudge.last_error
    assert not Nudge.objects.filter(fallback_of=nudge).exists()


def test_refused_credentials_are_permanent(
    world: World, teams: TeamsDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    linked(teams, world.member)
    from okrs.channels.teams import connector

    connector.forget_tokens()
    monkeypatch.setattr(config, "settings", config.current().with_changes(app_password="wrong"))
    with pytest.raises(DeliveryError) as caught:
        TeamsChannel().send_alert(world.member, AlertMessage(subject="s", text="t"))
    assert caught.value.permanent
    assert "invalid_client" in str(caught.value)
    assert "wrong" not in str(caught.value)  # the secret is never echoed


def test_connection_refused_is_temporary(
    world: World, teams: TeamsDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = linked(teams, world.member)
    TeamsConversation.objects.filter(pk=conversation.pk).update(service_url="http://127.0.0.1:9")
    with pytest.raises(DeliveryError) as caught:
        TeamsChannel().send_alert(world.member, AlertMessage(subject="s", text="t"))
    assert not caught.value.permanent and caught.value.retry_after is None


def test_someone_who_never_installed_the_app_gets_email(world: World, teams: TeamsDriver) -> None:
    world.member.channel = "teams"
    world.member.save()
    assert not TeamsChannel().can_reach(world.member)
    assert channel_for(world.member).name == "email"


def test_the_digest_goes_out_as_a_card(world: World, teams: TeamsDriver) -> None:
    linked(teams, world.member)
    alert = AlertMessage(
        subject="Check-ins missing this week: platform",
        text="Still missing this week in platform: 1 key result without a check-in.\nMaya: X",
        url="https://okrs.acme.test/",
        lines=("Maya Patel: Reduce lead time (deploys-advantage/lead-time) — 10 days",),
    )
    TeamsChannel().send_alert(world.member, alert)
    (card,) = teams.connector.cards(chat_id(world.member))
    from tests.teams.cardtools import text

    shown = text(card)
    assert "Check-ins missing this week: platform" in shown
    assert "- Maya Patel: Reduce lead time" in shown
    assert "[Open in okrs](https://okrs.acme.test/)" in shown


@pytest.mark.parametrize(
    ("status", "permanent", "retry_after"),
    [(429, False, 7.0), (401, True, None), (403, True, None), (404, True, None),
     (400, True, None), (500, False, None), (503, False, None)],
)  # fmt: skip
def test_status_mapping(status: int, permanent: bool, retry_after: float | None) -> None:
    error = http_error(status, {"Retry-After": "7"}, what="send")
    assert (error.permanent, error.retry_after) == (permanent, retry_after)


def test_sending_from_a_view_served_by_an_asgi_server(world: World, teams: TeamsDriver) -> None:
    """`okrs serve` runs views on plain threads (WSGI), but okrs.asgi serves them under an ASGI
    server too: there sync views run in a worker thread while the event loop waits for them.
    The SDK's async calls must work from there as they do in a worker."""
    from asgiref.sync import async_to_sync, sync_to_async

    linked(teams, world.member)
    alert = AlertMessage(subject="From a view", text="t")

    async def view() -> str:
        return await sync_to_async(TeamsChannel().send_alert)(world.member, alert)

    message_id = async_to_sync(view)()
    assert message_id.startswith(chat_id(world.member) + "/activity-")
    (card,) = teams.connector.cards(chat_id(world.member))
    assert card["body"][0]["text"] == "From a view"


def test_the_leads_digest_goes_out_through_the_sender(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    lead = world.platform_lead
    teams.connector.add_member(Member(id="29:lena", email=lead.email))
    linked(teams, lead)
    digest = Nudge.objects.create(
        person=lead,
        kind=NudgeKind.DIGEST,
        week_start=frozen_now.date(),
        team_keys=["platform"],
        due_at=frozen_now,
        next_attempt_at=frozen_now,
    )
    send_due(now=lambda: frozen_now)
    digest.refresh_from_db()
    assert (digest.state, digest.channel) == (NudgeState.SENT, "teams")
    (card,) = teams.connector.cards(chat_id(lead))
    assert "Check-ins missing this week: Platform" in text(card)
    assert world.lead_time.title in text(card)
