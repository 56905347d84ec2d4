"""After an email fallback, the one reminder comes two days later, like everyone else's.

A Slack nudge that failed for good is sent again by email; the person was asked, so two days
later they get the one reminder docs/nudges.md promises, and none while the email copy has not
gone out.
"""

from __future__ import annotations

import datetime as dt

import time_machine

from okrs.nudges import rules
from okrs.nudges.models import Nudge, NudgeKind, NudgeState
from okrs.nudges.planner import plan_and_create, plan_nudges
from okrs.nudges.sender import send_due
from tests.conftest import World
from tests.fakes.slack import FakeSlack
from tests.nudges.smtp import LocalSmtp

MONDAY_10 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)  # London is on GMT
WEDNESDAY_10 = MONDAY_10 + dt.timedelta(days=2)


def run_at(moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        plan_and_create(moment)
        send_due()


def maya_on_slack_with_a_broken_token(world: World, slack: FakeSlack) -> None:
    slack.add_user("U0MAYA", world.member.email)
    world.member.channel = "slack"
    world.member.save()
    slack.fail_next("chat.postMessage", error="invalid_auth")


def test_after_an_email_fallback_the_reminder_comes_two_days_later(
    world: World, slack: FakeSlack, smtp: LocalSmtp
) -> None:
    maya_on_slack_with_a_broken_token(world, slack)
    run_at(MONDAY_10)
    failed = Nudge.objects.get(person=world.member, kind=NudgeKind.NUDGE, fallback_of=None)
    assert failed.state == NudgeState.FAILED
    assert failed.fallback.state == NudgeState.SENT
    assert len(smtp.to("maya@acme.test")) == 1  # the nudge, by email

    # Tuesday: asked yesterday, so nothing yet.
    tuesday = plan_nudges(MONDAY_10 + dt.timedelta(days=1))
    [maya] = [d for d in tuesday.decisions if d.person_id == world.member.pk and not d.team_keys]
    assert (maya.action, maya.reason) == (None, rules.ALREADY_NUDGED)
    assert maya.next_at == WEDNESDAY_10

    run_at(WEDNESDAY_10)

    reminder = Nudge.objects.get(person=world.member, kind=NudgeKind.REMINDER, fallback_of=None)
    assert reminder.due_at == WEDNESDAY_10
    assert sorted(reminder.key_result_ids) == sorted(
        [world.lead_time.pk, world.change_failure_rate.pk]
    )
    assert reminder.state == NudgeState.SENT
    # Slack works again (the token failure was once): the reminder is a Slack DM.
    dms = [c for c in slack.calls_to("chat.postMessage") if c.error is None]
    assert [c.params["channel"] for c in dms] == ["U0MAYA"]
    # And it is the only one: a second run the same day sends nothing more.
    run_at(WEDNESDAY_10 + dt.timedelta(minutes=5))
    assert Nudge.objects.filter(person=world.member, kind=NudgeKind.REMINDER).count() == 1


def test_no_reminder_while_the_email_copy_has_not_gone_out(
    world: World, slack: FakeSlack, smtp: LocalSmtp
) -> None:
    maya_on_slack_with_a_broken_token(world, slack)
    smtp.refuse("maya@acme.test", "421 4.3.2 try again later", times=50)
    run_at(MONDAY_10)
    copy = Nudge.objects.get(person=world.member, fallback_of__isnull=False)
    assert copy.state == NudgeState.PENDING  # the email is being retried

    wednesday = plan_nudges(WEDNESDAY_10)
    [maya] = [d for d in wednesday.decisions if d.person_id == world.member.pk and not d.team_keys]
    assert (maya.action, maya.reason) == (None, rules.ALREADY_NUDGED)
