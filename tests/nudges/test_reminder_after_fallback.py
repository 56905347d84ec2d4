"""Two gaps a review found: the reminder after an email fallback, and what an email link offers.

- A Slack nudge that failed for good is sent again by email; the person was asked, so two days
  later they get the one reminder docs/nudges.md promises, like everyone else.
- The signed link of an email answers for its own nudge: the key results that nudge asked
  about, still owned by the person; another key result is neither shown nor saved through it.
"""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.test import Client

from okrs.checkins.models import CheckIn
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


def link_in(smtp: LocalSmtp, address: str) -> str:
    [message] = smtp.to(address)
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"http://testserver(/nudges/checkin/[^/\s]+/)", text)
    assert match, text
    return match.group(1)


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_the_email_link_offers_only_its_nudges_key_results(world: World, smtp: LocalSmtp) -> None:
    run_at(MONDAY_10)
    path = link_in(smtp, "maya@acme.test")
    # After the email went out, Owen's conversion key result is handed to Maya (due, and hers
    # now, but not what this nudge asked), and her lead time is handed to Owen.
    world.conversion.owner = world.member
    world.conversion.save()
    world.lead_time.owner = world.other_member
    world.lead_time.save()
    conversion, lead_time = world.conversion.pk, world.lead_time.pk
    client = Client(enforce_csrf_checks=True)

    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=1), tick=False):
        page = client.get(path).content.decode()
        assert "Keep the change failure rate below 5%" in page
        assert "Raise checkout conversion from 2% to 3%" not in page
        assert "Reduce deployment lead time" not in page
        answer = client.post(
            path,
            {
                "csrfmiddlewaretoken": csrf_token(page),
                "row": [conversion, lead_time],
                f"kr{conversion}-value": "2.4",
                f"initial-kr{conversion}-value": "2",
                f"kr{conversion}-confidence": "on_track",
                f"initial-kr{conversion}-confidence": "",
                f"kr{lead_time}-value": "50",
                f"initial-kr{lead_time}-value": "96",
                f"kr{lead_time}-confidence": "on_track",
                f"initial-kr{lead_time}-confidence": "",
            },
        )

    assert answer.status_code == 200
    assert "Nothing to save" in answer.content.decode()
    assert CheckIn.objects.count() == 0
