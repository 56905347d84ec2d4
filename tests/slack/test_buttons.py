"""The nudge's other buttons: "No change" confirms in one click, "Snooze" brings it back
tomorrow; someone okrs does not know is answered politely and nothing changes."""

from __future__ import annotations

import datetime as dt

from okrs.channels.slack import blocks
from okrs.goals.checkins.models import CheckIn
from okrs.nudges.models import Nudge, NudgeKind
from tests.conftest import World
from tests.slack.conftest import SlackDriver
from tests.slack.test_round_trip import buttons, deliver, sent_nudge


def test_no_change_keeps_values_and_confirms_confidence(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    CheckIn.objects.create(
        key_result=world.lead_time, value=50, confidence="at_risk", source="web",
        author=world.member, at=frozen_now - dt.timedelta(days=5),
    )  # fmt: skip
    dm, ts = deliver(world, slack, sent_nudge(world, frozen_now))
    value = buttons(slack.fake.messages[(dm, ts)])[blocks.ACTION_NO_CHANGE]

    assert (
        slack.click("U0MAYA", blocks.ACTION_NO_CHANGE, value, channel=dm, ts=ts).status_code == 200
    )

    confirmed = CheckIn.objects.get(key_result=world.lead_time, source="slack")
    assert (confirmed.value, confirmed.confidence, confirmed.at) == (50, "at_risk", frozen_now)
    # The change failure rate has no value yet (no baseline, no check-in): "no change" cannot
    # keep one, and the message says so instead of pretending.
    assert not CheckIn.objects.filter(key_result=world.change_failure_rate).exists()
    message = slack.fake.messages[(dm, ts)]
    text = " ".join(b.get("text", {}).get("text", "") for b in message["blocks"])
    assert "No change" in text and "At risk" in text
    assert "has no value yet" in text
    # A partial "No change" keeps the way to what is left: Update for the change failure rate.
    left = buttons(message)
    assert blocks.read_button_value(left[blocks.ACTION_UPDATE]).key_result_ids == (
        world.change_failure_rate.pk,
    )


def test_snooze_brings_the_nudge_back_tomorrow(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    nudge = sent_nudge(world, frozen_now)
    dm, ts = deliver(world, slack, nudge)
    value = buttons(slack.fake.messages[(dm, ts)])[blocks.ACTION_SNOOZE]

    slack.click("U0MAYA", blocks.ACTION_SNOOZE, value, channel=dm, ts=ts)

    copy = Nudge.objects.get(person=world.member, kind=NudgeKind.SNOOZED)
    assert copy.due_at - frozen_now >= dt.timedelta(hours=20)
    assert "Snoozed" in slack.fake.messages[(dm, ts)]["text"]
    assert not CheckIn.objects.exists()


def test_snoozing_someone_elses_nudge_is_refused(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    nudge = sent_nudge(world, frozen_now)
    dm, ts = deliver(world, slack, nudge)
    value = buttons(slack.fake.messages[(dm, ts)])[blocks.ACTION_SNOOZE]

    slack.click("U0OWEN", blocks.ACTION_SNOOZE, value, channel=dm, ts=ts)

    assert not Nudge.objects.filter(kind=NudgeKind.SNOOZED).exists()
    (answer,) = slack.fake.calls_to("response_url")
    assert answer.params["text"] == "This nudge is not yours to snooze."
    assert answer.params["response_type"] == "ephemeral"


def test_an_unknown_slack_user_gets_a_polite_ephemeral_answer(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    dm, ts = deliver(world, slack, sent_nudge(world, frozen_now))
    message_before = dict(slack.fake.messages[(dm, ts)])
    value = buttons(message_before)[blocks.ACTION_NO_CHANGE]

    response = slack.click("U0STRANGER", blocks.ACTION_NO_CHANGE, value, channel=dm, ts=ts)

    assert response.status_code == 200
    assert not CheckIn.objects.exists()
    (answer,) = slack.fake.calls_to("response_url")
    assert answer.params["response_type"] == "ephemeral"
    assert "could not match your Slack account" in answer.params["text"]
    assert slack.fake.messages[(dm, ts)]["blocks"] == message_before["blocks"]
    assert slack.fake.calls_to("users.info")[0].params["user"] == "U0STRANGER"


def test_a_viewer_cannot_check_in_from_slack(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    value = blocks.button_value(None, [world.lead_time.pk])
    slack.click("U0VIC", blocks.ACTION_NO_CHANGE, value, channel="D0VIC", ts="1.000001")
    assert not CheckIn.objects.exists()


def test_a_double_click_on_no_change_records_once(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    CheckIn.objects.create(
        key_result=world.lead_time, value=50, confidence="on_track", source="web",
        author=world.member, at=frozen_now - dt.timedelta(days=5),
    )  # fmt: skip
    dm, ts = deliver(world, slack, sent_nudge(world, frozen_now))
    value = buttons(slack.fake.messages[(dm, ts)])[blocks.ACTION_NO_CHANGE]

    slack.click("U0MAYA", blocks.ACTION_NO_CHANGE, value, channel=dm, ts=ts)
    slack.click("U0MAYA", blocks.ACTION_NO_CHANGE, value, channel=dm, ts=ts)

    assert CheckIn.objects.filter(key_result=world.lead_time, source="slack").count() == 1
    assert len(slack.fake.calls_to("chat.update")) == 1
