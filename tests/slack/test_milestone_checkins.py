"""A milestone's check-in in Slack asks "Not done" or "Done", as the web does, never for a number:
nothing chosen unless a person's latest check-in said it, no choice keeps the current state,
and anything else sent back is refused under the field with nothing recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from okrs.channels.base import DueKeyResult
from okrs.channels.slack import blocks
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from okrs.org.models import AuditEntry
from tests.conftest import World
from tests.slack.conftest import SlackDriver
from tests.slack.test_round_trip import buttons, deliver, inputs, sent_nudge


@pytest.fixture
def milestone(world: World) -> KeyResult:
    return KeyResult.objects.create(
        objective=world.platform_objective, key="self-serve-deploys",
        title="Ship self-serve deploys", owner=world.member, kind="milestone", target=1,
        position=5,
    )  # fmt: skip


def opened_modal(
    world: World, slack: SlackDriver, milestone: KeyResult, now: dt.datetime
) -> tuple[dict[str, Any], str, str]:
    """Maya's nudge listing the milestone and lead time, and the modal its Update opens."""
    nudge = sent_nudge(world, now)
    nudge.key_result_ids = [milestone.pk, world.lead_time.pk]
    nudge.save()
    dm, ts = deliver(world, slack, nudge)
    update = buttons(slack.fake.messages[(dm, ts)])[blocks.ACTION_UPDATE]
    slack.click("U0MAYA", blocks.ACTION_UPDATE, update, channel=dm, ts=ts)
    return slack.fake.calls_to("views.open")[-1].params["view"], dm, ts


def answer(kr: KeyResult, selected: Any, confidence: str = "on_track") -> dict[str, Any]:
    """The milestone's inputs as Slack sends them: `selected` is the chosen option's value
    (None: nothing chosen)."""
    option = {"text": {"type": "plain_text", "text": "?"}, "value": selected}
    return {
        blocks.value_block_id(kr.pk): {
            "value": {"type": "static_select", "selected_option": option if selected else None}
        },
        blocks.confidence_block_id(kr.pk): {
            "confidence": {"type": "static_select", "selected_option": {"value": confidence}}
        },
        blocks.note_block_id(kr.pk): {"note": {"value": ""}},
    }


def lead_time_answer(world: World) -> dict[str, Any]:
    kr = world.lead_time
    return {
        blocks.value_block_id(kr.pk): {"value": {"value": "40"}},
        blocks.confidence_block_id(kr.pk): {
            "confidence": {"selected_option": {"value": "at_risk"}}
        },
        blocks.note_block_id(kr.pk): {"note": {"value": ""}},
    }


def options(element: dict[str, Any]) -> list[tuple[str, str]]:
    return [(o["value"], o["text"]["text"]) for o in element["options"]]


def test_the_modal_asks_done_or_not_with_nothing_chosen_and_done_is_preselected_after(
    world: World, slack: SlackDriver, milestone: KeyResult, frozen_now: dt.datetime
) -> None:
    view, dm, ts = opened_modal(world, slack, milestone, frozen_now)
    message = " ".join(
        b.get("text", {}).get("text", "") for b in slack.fake.messages[(dm, ts)]["blocks"]
    )
    assert "Ship self-serve deploys" in message and "Current: not done" in message
    by_block = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    block = by_block[blocks.value_block_id(milestone.pk)]
    assert block["label"]["text"] == "Done?"
    assert block["optional"] is True  # no choice keeps the current state
    element = block["element"]
    assert element["type"] == "static_select"
    assert options(element) == [("0", "Not done"), ("1", "Done")]
    assert "initial_option" not in element  # it starts at 0, which nobody said
    # The other key results still take a number, prefilled.
    assert inputs(view)[blocks.value_block_id(world.lead_time.pk)]["type"] == "number_input"

    values = answer(milestone, "1") | lead_time_answer(world)
    response = slack.submit("U0MAYA", view, values)
    assert response.json()["response_action"] == "update"
    done = CheckIn.objects.get(key_result=milestone)
    assert (done.value, done.confidence, done.source) == (1.0, "on_track", "slack")
    assert AuditEntry.objects.filter(entity="checkin", ref=milestone.ref).count() == 1
    updated = " ".join(
        b.get("text", {}).get("text", "") for b in slack.fake.messages[(dm, ts)]["blocks"]
    )
    assert "Current: done" in updated

    # The next modal (from the App Home's Check in) starts with what she said, labelled so.
    slack.click("U0MAYA", blocks.ACTION_OPEN_CHECKIN, blocks.button_value(None, [milestone.pk]))
    again = inputs(slack.fake.calls_to("views.open")[-1].params["view"])
    element = again[blocks.value_block_id(milestone.pk)]
    assert options(element) == [("0", "Not done"), ("1", f"Done {blocks.LAST_ANSWER}")]
    assert element["initial_option"]["value"] == "1"
    assert element["initial_option"]["text"]["text"] == "Done (your last answer)"


def test_a_synced_value_is_not_preselected(
    world: World, slack: SlackDriver, milestone: KeyResult, frozen_now: dt.datetime
) -> None:
    CheckIn.objects.create(
        key_result=milestone, value=1, confidence="on_track", source="web",
        author=world.member, at=frozen_now - dt.timedelta(days=8),
    )  # fmt: skip
    CheckIn.objects.create(
        key_result=milestone, value=0, source="sync", at=frozen_now - dt.timedelta(days=1)
    )
    view, _, _ = opened_modal(world, slack, milestone, frozen_now)
    element = inputs(view)[blocks.value_block_id(milestone.pk)]
    assert "initial_option" not in element  # the latest check-in is nobody's answer
    assert options(element) == [("0", "Not done"), ("1", "Done")]


def test_no_choice_keeps_the_current_state(
    world: World, slack: SlackDriver, milestone: KeyResult, frozen_now: dt.datetime
) -> None:
    CheckIn.objects.create(
        key_result=milestone, value=1, confidence="on_track", source="web",
        author=world.member, at=frozen_now - dt.timedelta(days=8),
    )  # fmt: skip
    view, _, _ = opened_modal(world, slack, milestone, frozen_now)
    assert inputs(view)[blocks.value_block_id(milestone.pk)]["initial_option"]["value"] == "1"

    values = answer(milestone, None, "at_risk") | lead_time_answer(world)
    response = slack.submit("U0MAYA", view, values)
    assert response.json()["response_action"] == "update"
    rows = list(milestone.checkins.order_by("at", "id").values_list("value", "confidence"))
    assert rows == [(1.0, "on_track"), (1.0, "at_risk")]  # the value kept, no new one


@pytest.mark.parametrize(
    "forged",
    [
        {"value": {"type": "static_select", "selected_option": {"value": "2"}}},
        {"value": {"type": "static_select", "selected_option": {"value": "abc"}}},
        {"value": {"type": "static_select", "selected_option": "1"}},
        {"value": {"type": "number_input", "value": "0.5"}},  # as a number, forged or stale
    ],
)
def test_anything_but_a_choice_is_refused_under_the_field(
    world: World,
    slack: SlackDriver,
    milestone: KeyResult,
    frozen_now: dt.datetime,
    forged: dict[str, Any],
) -> None:
    view, _, _ = opened_modal(world, slack, milestone, frozen_now)
    values = answer(milestone, "1") | lead_time_answer(world)
    values[blocks.value_block_id(milestone.pk)] = forged
    response = slack.submit("U0MAYA", view, values)
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert body["errors"] == {blocks.value_block_id(milestone.pk): "Choose not done or done."}
    assert not CheckIn.objects.exists()  # lead time is not recorded either


def test_the_server_knows_a_milestone_whatever_the_modal_says(
    world: World, slack: SlackDriver, milestone: KeyResult, frozen_now: dt.datetime
) -> None:
    """A modal built as if the milestone took a number (an old one, or a forged one) does not
    give it one."""
    view = blocks.checkin_modal(
        [
            DueKeyResult(
                milestone.pk, milestone.ref, milestone.title, "", 0.0, 1.0, "not_started", False
            )
        ],
        nudge_id=None,
    )
    assert inputs(view)[blocks.value_block_id(milestone.pk)]["type"] == "number_input"
    values = answer(milestone, "1")
    values[blocks.value_block_id(milestone.pk)] = {"value": {"type": "number_input", "value": "7"}}
    body = slack.submit("U0MAYA", view, values).json()
    assert body["errors"] == {blocks.value_block_id(milestone.pk): "Choose not done or done."}
    values[blocks.value_block_id(milestone.pk)] = {"value": {"type": "number_input", "value": "1"}}
    assert slack.submit("U0MAYA", view, values).json()["response_action"] == "update"
    assert list(milestone.checkins.values_list("value", flat=True)) == [1.0]
