"""The heart of the product: a nudge DM -> Update -> the modal, prefilled -> submit -> check-ins
recorded with source slack -> the dashboard shows them."""

from __future__ import annotations

import datetime as dt

from okrs.channels.base import channel_for
from okrs.channels.slack import blocks
from okrs.goals.checkins.models import CheckIn
from okrs.nudges.models import Nudge, NudgeState
from okrs.nudges.services import build_message
from okrs.org.models import AuditEntry
from tests.conftest import World
from tests.slack.conftest import SlackDriver


def sent_nudge(world: World, now: dt.datetime) -> Nudge:
    return Nudge.objects.create(
        person=world.member,
        week_start=now.date(),
        cycle=world.cycle,
        key_result_ids=[world.lead_time.pk, world.change_failure_rate.pk],
        due_at=now,
        next_attempt_at=now,
        state=NudgeState.SENDING,
    )


def deliver(world: World, slack: SlackDriver, nudge: Nudge) -> tuple[str, str]:
    """Send the nudge through the person's channel, as the nudge sender does."""
    world.member.channel = "slack"
    world.member.save()
    channel = channel_for(world.member)
    assert channel.name == "slack"
    message_id = channel.send_nudge(world.member, build_message(nudge))
    dm, ts = message_id.split("/")
    return dm, ts


def buttons(message: dict) -> dict[str, str]:
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    return {element["action_id"]: element["value"] for element in actions["elements"]}


def inputs(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def test_nudge_update_modal_submit_dashboard(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    admin_api = world.client_for(world.admin)
    before = admin_api.get("/api/v1/dashboard").json()
    nudge = sent_nudge(world, frozen_now)

    dm, ts = deliver(world, slack, nudge)

    (post,) = slack.fake.calls_to("chat.postMessage")
    assert post.params["channel"] == "U0MAYA"  # matched by email through users.lookupByEmail
    assert slack.fake.calls_to("users.lookupByEmail")[0].params["email"] == world.member.email
    message = slack.fake.messages[(dm, ts)]
    text = " ".join(b.get("text", {}).get("text", "") for b in message["blocks"])
    assert world.lead_time.title in text and world.change_failure_rate.title in text
    assert "Current: 96 hours" in text and "Target: 6 hours" in text
    update_value = buttons(message)[blocks.ACTION_UPDATE]
    assert blocks.read_button_value(update_value).nudge_id == nudge.pk

    response = slack.click("U0MAYA", blocks.ACTION_UPDATE, update_value, channel=dm, ts=ts)
    assert response.status_code == 200

    (opened,) = slack.fake.calls_to("views.open")
    assert opened.params["trigger_id"] == f"trigger-{blocks.ACTION_UPDATE}"
    view = opened.params["view"]
    fields = inputs(view)
    lead_time_value = fields[blocks.value_block_id(world.lead_time.pk)]
    assert lead_time_value["type"] == "number_input"
    assert lead_time_value["initial_value"] == "96"  # prefilled with the current value
    assert blocks.value_block_id(world.change_failure_rate.pk) in fields
    assert blocks.note_block_id(world.lead_time.pk) in fields

    values = {
        blocks.value_block_id(world.lead_time.pk): {"value": {"value": "40"}},
        blocks.confidence_block_id(world.lead_time.pk): {
            "confidence": {"selected_option": {"value": "on_track"}}
        },
        blocks.note_block_id(world.lead_time.pk): {"note": {"value": "Pipeline cache landed"}},
        blocks.value_block_id(world.change_failure_rate.pk): {"value": {"value": "4.5"}},
        blocks.confidence_block_id(world.change_failure_rate.pk): {
            "confidence": {"selected_option": {"value": "at_risk"}}
        },
        blocks.note_block_id(world.change_failure_rate.pk): {"note": {"value": None}},
    }
    response = slack.submit("U0MAYA", view, values)
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "update"
    assert "Recorded 2 check-ins" in answer["view"]["blocks"][0]["text"]["text"]

    lead_time = CheckIn.objects.get(key_result=world.lead_time)
    assert (lead_time.value, lead_time.confidence, lead_time.source) == (40, "on_track", "slack")
    assert lead_time.note == "Pipeline cache landed" and lead_time.author == world.member
    cfr = CheckIn.objects.get(key_result=world.change_failure_rate)
    assert (cfr.value, cfr.confidence, cfr.source) == (4.5, "at_risk", "slack")
    assert AuditEntry.objects.filter(entity="checkin", channel="slack").count() == 2

    # The DM lost its buttons and shows the new statuses.
    updated = slack.fake.messages[(dm, ts)]
    assert not any(b["type"] == "actions" for b in updated["blocks"])
    assert "Current: 40 hours" in " ".join(
        b.get("text", {}).get("text", "") for b in updated["blocks"]
    )

    after = admin_api.get("/api/v1/dashboard").json()
    moved = {row["ref"]: row for row in after["what_moved"]}
    assert moved[world.lead_time.ref]["status"] == "on_track"
    assert moved[world.lead_time.ref]["note"] == "Pipeline cache landed"
    platform_before = next(t for t in before["teams"] if t["team"] == "platform")
    platform_after = next(t for t in after["teams"] if t["team"] == "platform")
    assert platform_before["checkin_compliance"]["checked_in"] == 0
    assert platform_after["checkin_compliance"]["checked_in"] == 2


def test_second_nudge_reuses_the_match(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    nudge = sent_nudge(world, frozen_now)
    deliver(world, slack, nudge)
    deliver(world, slack, nudge)
    assert len(slack.fake.calls_to("chat.postMessage")) == 2
    assert len(slack.fake.calls_to("users.lookupByEmail")) == 1
