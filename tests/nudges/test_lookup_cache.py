"""Slack users are looked up by email once, kept a month, and looked up again when a match fails."""

from __future__ import annotations

import datetime as dt

import time_machine

from okrs.channels.slack.models import SlackAccount
from okrs.nudges.models import Nudge
from okrs.nudges.planner import plan_and_create
from okrs.nudges.sender import send_due
from tests.conftest import World
from tests.fakes.slack import FakeSlack

MONDAY_10 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)


def on_slack(world: World, slack: FakeSlack) -> None:
    for user_id, person in (("U0MAYA", world.member), ("U0OWEN", world.other_member)):
        slack.add_user(user_id, person.email)
        person.channel = "slack"
        person.save()


def week(moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        plan_and_create(moment)
        send_due(now=lambda: moment)


def lookups(slack: FakeSlack) -> list[str]:
    return [c.params["email"] for c in slack.calls_to("users.lookupByEmail")]


def delivered(slack: FakeSlack) -> list[str]:
    return [
        c.params["channel"]
        for c in slack.calls_to("chat.postMessage")
        if c.status == 200 and c.error is None
    ]


def test_each_person_is_looked_up_once_and_not_again_the_next_weeks(
    world: World, slack: FakeSlack
) -> None:
    on_slack(world, slack)
    week(MONDAY_10)
    assert sorted(lookups(slack)) == ["maya@acme.test", "owen@acme.test"]

    slack.reset_calls()
    week(MONDAY_10 + WEEK)
    week(MONDAY_10 + 2 * WEEK)
    assert lookups(slack) == []
    assert sorted(delivered(slack)) == ["U0MAYA", "U0MAYA", "U0OWEN", "U0OWEN"]


def test_a_match_is_checked_again_after_a_month(world: World, slack: FakeSlack) -> None:
    on_slack(world, slack)
    week(MONDAY_10)
    slack.reset_calls()

    week(MONDAY_10 + 5 * WEEK)  # 35 days after the match was made

    assert sorted(lookups(slack)) == ["maya@acme.test", "owen@acme.test"]
    assert sorted(delivered(slack)) == ["U0MAYA", "U0OWEN"]
    slack.reset_calls()
    week(MONDAY_10 + 6 * WEEK)
    assert lookups(slack) == []  # checked again: good for another month


def test_a_check_that_slack_cannot_answer_keeps_the_match(world: World, slack: FakeSlack):
    on_slack(world, slack)
    week(MONDAY_10)
    slack.reset_calls()
    slack.fail_next("users.lookupByEmail", status=503, times=2)

    week(MONDAY_10 + 5 * WEEK)

    # Slack was down for the month's check, not the person gone: both got their nudge.
    assert len(lookups(slack)) == 2
    assert sorted(delivered(slack)) == ["U0MAYA", "U0OWEN"]


def test_a_match_that_fails_is_looked_up_again_next_time(world: World, slack: FakeSlack):
    on_slack(world, slack)
    week(MONDAY_10)
    slack.reset_calls()
    # Maya's DM is gone (her user was recreated): the message fails, email takes over.
    slack.fail_next("chat.postMessage", error="channel_not_found")
    week(MONDAY_10 + WEEK)
    assert lookups(slack) == []
    assert Nudge.objects.filter(channel="email", fallback_of__isnull=False).count() == 1
    slack.reset_calls()

    week(MONDAY_10 + 2 * WEEK)

    assert lookups(slack) == ["maya@acme.test"]  # only the one whose match failed
    assert sorted(delivered(slack)) == ["U0MAYA", "U0OWEN"]


def test_a_slack_user_whose_email_changed_hands_is_matched_to_its_new_owner(
    world: World, slack: FakeSlack
) -> None:
    # Owen (on email now) was matched to U0SHARED once; that Slack user's email is now Maya's.
    SlackAccount.objects.create(
        person=world.other_member, team_id=slack.team_id, user_id="U0SHARED"
    )
    slack.add_user("U0SHARED", world.member.email)
    world.member.channel = "slack"
    world.member.save()

    week(MONDAY_10)

    assert lookups(slack) == ["maya@acme.test"]
    assert list(SlackAccount.objects.values_list("person_id", "user_id")) == [
        (world.member.pk, "U0SHARED")
    ]
    assert delivered(slack) == ["U0SHARED"]
