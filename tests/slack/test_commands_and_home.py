"""`/okr` lists my key results, `/okr checkin` opens the modal, and the App Home tab shows my
key results with their status."""

from __future__ import annotations

import datetime as dt

from okrs.channels.slack import blocks
from okrs.goals.checkins.models import CheckIn
from tests.conftest import World
from tests.slack.conftest import SlackDriver


def texts(blocks_: list[dict]) -> str:
    return " ".join(b.get("text", {}).get("text", "") for b in blocks_)


def test_okr_lists_my_key_results_ephemerally(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    response = slack.command("U0MAYA", "")
    assert response.status_code == 200
    (answer,) = slack.fake.calls_to("response_url")
    assert answer.params["response_type"] == "ephemeral"
    shown = texts(answer.params["blocks"])
    assert world.lead_time.title in shown and world.change_failure_rate.title in shown
    assert world.conversion.title not in shown  # Owen's, not Maya's


def test_okr_checkin_opens_the_modal_for_my_due_key_results(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    CheckIn.objects.create(
        key_result=world.change_failure_rate, value=3, confidence="on_track", source="web",
        author=world.member, at=frozen_now - dt.timedelta(days=1),
    )  # fmt: skip
    slack.command("U0MAYA", "checkin")
    (opened,) = slack.fake.calls_to("views.open")
    assert opened.params["trigger_id"] == "trigger-command"
    block_ids = {b.get("block_id") for b in opened.params["view"]["blocks"]}
    assert blocks.value_block_id(world.lead_time.pk) in block_ids
    # Checked in yesterday: not due, so not asked.
    assert blocks.value_block_id(world.change_failure_rate.pk) not in block_ids


def test_okr_with_unknown_words_explains_itself(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    slack.command("U0MAYA", "frobnicate")
    (answer,) = slack.fake.calls_to("response_url")
    assert "/okr checkin" in answer.params["text"]


def test_okr_from_a_stranger_records_nothing(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    slack.command("U0STRANGER", "checkin")
    assert slack.fake.calls_to("views.open") == []
    (answer,) = slack.fake.calls_to("response_url")
    assert "could not match your Slack account" in answer.params["text"]


def test_a_stale_command_is_refused(world: World, slack: SlackDriver, frozen_now) -> None:
    response = slack.command("U0MAYA", "", at=frozen_now.timestamp() - 301)
    assert response.status_code == 401
    assert slack.fake.calls == []


def test_app_home_shows_my_key_results_with_status(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    CheckIn.objects.create(
        key_result=world.lead_time, value=40, confidence="at_risk", source="web",
        author=world.member, at=frozen_now - dt.timedelta(days=1),
    )  # fmt: skip
    response = slack.event(
        {"type": "app_home_opened", "user": "U0MAYA", "channel": "D0MAYA", "tab": "home"}
    )
    assert response.status_code == 200
    (publish,) = slack.fake.calls_to("views.publish")
    assert publish.params["user_id"] == "U0MAYA"
    home = slack.fake.home_views["U0MAYA"]
    shown = texts(home["blocks"])
    assert world.lead_time.title in shown
    assert "Current: 40 hours" in shown and "At risk" in shown
    button = next(b for b in home["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["action_id"] == blocks.ACTION_OPEN_CHECKIN

    # The Home tab's button opens the modal (there is no message to update afterwards).
    slack.click("U0MAYA", blocks.ACTION_OPEN_CHECKIN, button["value"])
    (opened,) = slack.fake.calls_to("views.open")
    metadata = blocks.ModalMetadata.load(opened.params["view"]["private_metadata"])
    assert metadata.channel == "" and metadata.nudge_id is None
    assert world.change_failure_rate.pk in {kr_id for kr_id, _ in metadata.key_results}


def test_app_home_for_a_stranger_says_why_it_is_empty(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    slack.event({"type": "app_home_opened", "user": "U0STRANGER", "tab": "home"})
    home = slack.fake.home_views["U0STRANGER"]
    assert "could not match your Slack account" in texts(home["blocks"])


def test_the_token_is_checked_once_not_on_every_request(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    slack.command("U0MAYA", "")
    slack.command("U0MAYA", "")
    assert len(slack.fake.calls_to("response_url")) == 2
    assert len(slack.fake.calls_to("auth.test")) == 1
