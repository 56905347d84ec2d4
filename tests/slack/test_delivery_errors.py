"""What a failed Slack delivery tells the nudge sender: a rate limit delays by Retry-After, a
dead token or an unknown person is permanent (email takes over), an outage is temporary."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from okrs.channels.base import DeliveryError, NudgeMessage, channel_for
from okrs.channels.slack.channel import SlackChannel
from okrs.channels.slack.models import Installation, SlackAccount
from tests.conftest import World
from tests.fakes.slack import FakeSlack
from tests.slack.conftest import SlackDriver


def message() -> NudgeMessage:
    return NudgeMessage(
        nudge_id=1, person_id=1, cycle_name="2026-Q4", key_results=(), checkin_url=""
    )


def send(world: World) -> DeliveryError:
    with pytest.raises(DeliveryError) as error:
        SlackChannel().send_nudge(world.member, message())
    return error.value


def test_rate_limit_delays_by_retry_after(world: World, slack: SlackDriver) -> None:
    slack.fake.fail_next("chat.postMessage", status=429, retry_after=7)
    error = send(world)
    assert (error.permanent, error.retry_after) == (False, 7.0)
    # The client did not retry by itself: the nudge row decides when to try again.
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    assert SlackChannel().send_nudge(world.member, message())  # and the next attempt works


def test_rate_limited_lookup_delays_too(world: World, slack: SlackDriver) -> None:
    slack.fake.fail_next("users.lookupByEmail", status=429, retry_after=12, times=2)
    assert SlackChannel().can_reach(world.member)  # no verdict on the person: keep Slack
    error = send(world)
    assert (error.permanent, error.retry_after) == (False, 12.0)


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "account_inactive"])
def test_a_dead_token_is_permanent(world: World, slack: SlackDriver, code: str) -> None:
    SlackAccount.objects.create(person=world.member, team_id=slack.fake.team_id, user_id="U0MAYA")
    slack.fake.fail_next("chat.postMessage", error=code)
    error = send(world)
    assert error.permanent and error.retry_after is None
    assert str(error) == f"slack: {code}"
    assert slack.fake.bot_token not in str(error)


def test_a_stale_user_is_permanent_and_looked_up_again(world: World, slack: SlackDriver) -> None:
    SlackAccount.objects.create(person=world.member, team_id=slack.fake.team_id, user_id="U0GONE")
    error = send(world)  # the fake has no U0GONE: channel_not_found
    assert error.permanent and "channel_not_found" in str(error)
    assert SlackChannel().send_nudge(world.member, message())  # found again by email
    assert SlackAccount.objects.get(person=world.member).user_id == "U0MAYA"


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_is_temporary(world: World, slack: SlackDriver, status: int) -> None:
    slack.fake.fail_next("chat.postMessage", status=status)
    error = send(world)
    assert not error.permanent and error.retry_after is None


def test_a_connection_error_is_temporary(world: World, slack: SlackDriver, settings) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.SLACK_API_URL = f"http://127.0.0.1:{port}/api/"  # nobody listens there
    SlackAccount.objects.create(person=world.member, team_id=slack.fake.team_id, user_id="U0MAYA")
    error = send(world)
    assert not error.permanent


def test_a_person_unknown_to_slack_falls_back_to_email(world: World, slack: SlackDriver) -> None:
    world.viewer.channel = "slack"
    world.viewer.email = "vic.new@acme.test"  # not in the workspace
    world.viewer.save()
    assert channel_for(world.viewer).name == "email"
    assert channel_for(world.viewer).name == "email"
    # The miss is remembered: one lookup, not one per nudge.
    assert len(slack.fake.calls_to("users.lookupByEmail")) == 1
    with pytest.raises(DeliveryError) as error:
        SlackChannel().send_nudge(world.viewer, message())
    assert error.value.permanent


def test_not_installed_is_permanent(world: World, fake_slack: FakeSlack, settings) -> None:
    settings.SLACK_API_URL = fake_slack.url
    assert not Installation.objects.exists()
    assert not SlackChannel().is_configured()
    assert not SlackChannel().can_reach(world.member)
    assert send(world).permanent
    assert fake_slack.calls == []


def test_alerts_are_sent_as_dms(world: World, slack: SlackDriver, frozen_now: dt.datetime) -> None:
    from okrs.channels.base import AlertMessage

    message_id = SlackChannel().send_alert(
        world.member,
        AlertMessage(subject="Lead time is off track", text="It moved the wrong way.",
                     url="https://okrs.acme.test/kr/1", lines=("96 -> 120 hours",)),
    )  # fmt: skip
    channel, ts = message_id.split("/")
    posted = slack.fake.messages[(channel, ts)]
    assert posted["text"] == "It moved the wrong way."
    assert "96 -&gt; 120 hours" in posted["blocks"][1]["text"]["text"]


def test_a_revoked_token_during_lookup_is_reported_as_such(
    world: World, slack: SlackDriver
) -> None:
    slack.fake.revoke(slack.fake.bot_token)
    assert not SlackChannel().can_reach(world.member)
    error = send(world)
    assert error.permanent and str(error) == "slack: token_revoked"
    assert not SlackAccount.objects.exists()  # says nothing about the person: not cached
