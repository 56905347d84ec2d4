"""Issue 15's interaction table in Slack, redone through the fake Web API: 3 key results (one
automatic) and 30, each flow counted in clicks and submissions, and exactly what was recorded.
docs/checkins.md gives the table with these tests' names."""

from __future__ import annotations

import datetime as dt
from typing import Any

from okrs.channels.base import channel_for
from okrs.channels.slack import blocks
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from okrs.nudges.models import Nudge, NudgeKind, NudgeState
from okrs.nudges.services import NO_SNOOZE_LEFT, build_message
from tests.chat_checkin_flows import checkins_by, forecast_of, thirty, three
from tests.conftest import World
from tests.slack.conftest import SlackDriver
from tests.slack.test_round_trip import buttons


def nudge_of(world: World, krs: list[KeyResult], now: dt.datetime, **fields: Any) -> Nudge:
    return Nudge.objects.create(
        person=world.member, week_start=now.date(), cycle=world.cycle,
        key_result_ids=[kr.pk for kr in krs], due_at=now, next_attempt_at=now,
        state=NudgeState.SENDING, **fields,
    )  # fmt: skip


def deliver(world: World, slack: SlackDriver, nudge: Nudge) -> tuple[str, str]:
    world.member.channel = "slack"
    world.member.save()
    dm, ts = channel_for(world.member).send_nudge(world.member, build_message(nudge)).split("/")
    return dm, ts


def as_sent(view: dict[str, Any], answers: dict[str, str] | None = None) -> dict[str, Any]:
    """The state Slack sends when the modal is submitted: every input as it was opened (its
    initial value or option, else nothing), then what the person typed or chose (`answers`,
    by block id: a number, a confidence's value, a note)."""
    answers = answers or {}
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        if element["type"] == "number_input":
            typed = answers.get(block_id, element.get("initial_value"))
            values[block_id] = {"value": {"type": "number_input", "value": typed}}
        elif element["type"] == "static_select":
            option = element.get("initial_option")
            if block_id in answers:
                option = next(o for o in element["options"] if o["value"] == answers[block_id])
            values[block_id] = {"confidence": {"type": "static_select", "selected_option": option}}
        else:
            values[block_id] = {
                "note": {"type": "plain_text_input", "value": answers.get(block_id)}
            }
    return values


def message_text(slack: SlackDriver, dm: str, ts: str) -> str:
    message = slack.fake.messages[(dm, ts)]
    return " ".join(
        str(b.get("text", {}).get("text", ""))
        + " ".join(str(e.get("text", "")) for e in b.get("elements", []))
        for b in message["blocks"]
    )


def test_update_all_of_3_takes_2_interactions_and_records_what_was_answered(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    lead_time, cfr, auto = three(world, frozen_now)
    dm, ts = deliver(world, slack, nudge_of(world, [lead_time, cfr, auto], frozen_now))

    slack.click("U0MAYA", blocks.ACTION_UPDATE, buttons(slack.fake.messages[(dm, ts)])[
        blocks.ACTION_UPDATE], channel=dm, ts=ts)  # fmt: skip
    (opened,) = slack.fake.calls_to("views.open")
    view = opened.params["view"]
    selects = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    # Her own last answer is preselected and says so; the automatic one has none: empty.
    assert (
        selects[blocks.confidence_block_id(lead_time.pk)]["initial_option"]["text"]["text"]
        == "At risk (your last answer)"
    )
    assert "initial_option" not in selects[blocks.confidence_block_id(auto.pk)]
    assert blocks.value_block_id(auto.pk) not in selects  # confidence and note only
    response = slack.submit("U0MAYA", view, as_sent(view, {
        blocks.value_block_id(lead_time.pk): "40",
        blocks.value_block_id(cfr.pk): "3.5",
        blocks.confidence_block_id(cfr.pk): "at_risk",
        blocks.confidence_block_id(auto.pk): "on_track",
        blocks.note_block_id(auto.pk): "cache landed",
    }))  # fmt: skip

    assert slack.interactions == 2
    assert checkins_by("slack") == {
        lead_time.pk: (40, "at_risk", ""),
        cfr.pk: (3.5, "at_risk", ""),
        auto.pk: (7, "on_track", "cache landed"),  # the synced value kept
    }
    assert response.json()["response_action"] == "update"
    assert "Recorded 3 check-ins" in message_text(slack, dm, ts)
    assert "Nothing else is due" in message_text(slack, dm, ts)
    assert not any(b["type"] == "actions" for b in slack.fake.messages[(dm, ts)]["blocks"])


def test_saving_the_modal_untouched_records_no_confidence_nobody_chose(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    """The computed status (deploy frequency is behind: at risk) is not preselected."""
    lead_time, cfr, auto = three(world, frozen_now)
    dm, ts = deliver(world, slack, nudge_of(world, [lead_time, cfr, auto], frozen_now))
    value = buttons(slack.fake.messages[(dm, ts)])[blocks.ACTION_UPDATE]
    slack.click("U0MAYA", blocks.ACTION_UPDATE, value, channel=dm, ts=ts)
    view = slack.fake.calls_to("views.open")[0].params["view"]

    answer = slack.submit("U0MAYA", view, as_sent(view)).json()

    assert answer == {
        "response_action": "errors",
        "errors": {blocks.confidence_block_id(auto.pk): "Choose on track, at risk or off track."},
    }
    assert not CheckIn.objects.filter(source="slack").exists()


def message_inputs(slack: SlackDriver, dm: str, ts: str) -> dict[str, dict[str, Any]]:
    message = slack.fake.messages[(dm, ts)]
    return {b["block_id"]: b["element"] for b in message["blocks"] if b["type"] == "input"}


def message_state(slack: SlackDriver, dm: str, ts: str, answers: dict[str, str] | None = None):
    """The message's `state.values` as Slack sends them with a click: what was chosen in its
    inputs (`answers`, by block id), the others empty."""
    return as_sent(slack.fake.messages[(dm, ts)], answers)


def test_no_change_for_3_takes_1_click_with_the_missing_confidence_chosen_in_the_message(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    """Deploy frequency has no confidence of hers to confirm: the message asks for it, empty,
    and Slack sends what she chose with the click on No change."""
    lead_time, cfr, auto = three(world, frozen_now)
    forecast = forecast_of(auto)
    dm, ts = deliver(world, slack, nudge_of(world, [lead_time, cfr, auto], frozen_now))
    asked = message_inputs(slack, dm, ts)
    assert list(asked) == [blocks.confidence_block_id(auto.pk)]  # only the one with none
    assert "initial_option" not in asked[blocks.confidence_block_id(auto.pk)]

    value = buttons(slack.fake.messages[(dm, ts)])[blocks.ACTION_NO_CHANGE]
    chosen = message_state(slack, dm, ts, {blocks.confidence_block_id(auto.pk): "at_risk"})
    slack.click("U0MAYA", blocks.ACTION_NO_CHANGE, value, channel=dm, ts=ts, state=chosen)

    assert slack.interactions == 1
    assert checkins_by("slack") == {
        lead_time.pk: (50, "at_risk", ""),
        cfr.pk: (4, "on_track", ""),
        auto.pk: (7, "at_risk", ""),  # the synced value kept, the confidence she chose
    }
    assert CheckIn.objects.filter(key_result=auto).count() == 2  # the sync and her answer
    assert forecast_of(auto) == forecast  # no value point of hers moves it
    assert slack.fake.calls_to("views.open") == []
    assert "No change for 3 key results" in message_text(slack, dm, ts)
    assert "Nothing else is due" in message_text(slack, dm, ts)
    assert message_inputs(slack, dm, ts) == {}  # answered: the inputs are gone with the buttons


def test_no_change_for_3_without_choosing_asks_the_missing_confidence_in_a_modal(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    lead_time, cfr, auto = three(world, frozen_now)
    dm, ts = deliver(world, slack, nudge_of(world, [lead_time, cfr, auto], frozen_now))

    value = buttons(slack.fake.messages[(dm, ts)])[blocks.ACTION_NO_CHANGE]
    empty = message_state(slack, dm, ts)
    slack.click("U0MAYA", blocks.ACTION_NO_CHANGE, value, channel=dm, ts=ts, state=empty)

    # The two with a confidence of hers are confirmed at once; nothing is recorded for the
    # automatic one without the confidence it is asked for: a modal opened by the same click
    # asks for it alone.
    assert checkins_by("slack") == {lead_time.pk: (50, "at_risk", ""), cfr.pk: (4, "on_track", "")}
    (opened,) = slack.fake.calls_to("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == blocks.CONFIRM_CALLBACK
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == [blocks.confidence_block_id(auto.pk)]
    assert "initial_option" not in inputs[0]["element"]
    assert "Still due: 1 key result" in message_text(slack, dm, ts)

    slack.submit("U0MAYA", view, as_sent(view, {blocks.confidence_block_id(auto.pk): "at_risk"}))

    assert slack.interactions == 2
    assert checkins_by("slack") == {
        lead_time.pk: (50, "at_risk", ""),
        cfr.pk: (4, "on_track", ""),
        auto.pk: (7, "at_risk", ""),
    }
    assert "Nothing else is due" in message_text(slack, dm, ts)


def test_no_change_for_3_already_answered_takes_1_click(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    lead_time, cfr, auto = three(world, frozen_now)
    CheckIn.objects.create(
        key_result=auto, value=7, confidence="on_track", source="web", author=world.member,
        at=frozen_now - dt.timedelta(days=5),
    )  # fmt: skip
    dm, ts = deliver(world, slack, nudge_of(world, [lead_time, cfr, auto], frozen_now))

    value = buttons(slack.fake.messages[(dm, ts)])[blocks.ACTION_NO_CHANGE]
    slack.click("U0MAYA", blocks.ACTION_NO_CHANGE, value, channel=dm, ts=ts)

    assert slack.interactions == 1
    assert checkins_by("slack") == {
        lead_time.pk: (50, "at_risk", ""),
        cfr.pk: (4, "on_track", ""),
        auto.pk: (7, "on_track", ""),
    }
    assert slack.fake.calls_to("views.open") == []


def test_update_all_of_30_takes_3_interactions(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    krs = thirty(world, frozen_now)
    dm, ts = deliver(world, slack, nudge_of(world, krs, frozen_now))
    value = buttons(slack.fake.messages[(dm, ts)])[blocks.ACTION_UPDATE]

    slack.click("U0MAYA", blocks.ACTION_UPDATE, value, channel=dm, ts=ts)
    first = slack.fake.calls_to("views.open")[0].params["view"]
    typed = {blocks.value_block_id(kr.pk): str(100 + i) for i, kr in enumerate(krs)}
    answer = slack.submit("U0MAYA", first, as_sent(first, typed)).json()

    # The first page is recorded, the next one is shown in the same modal; the DM says what
    # is still due, with its Update button.
    assert answer["response_action"] == "update"
    second = answer["view"]
    assert len(checkins_by("slack")) == blocks.MAX_MODAL_KEY_RESULTS
    assert "Still due: 6 key results" in message_text(slack, dm, ts)
    left = blocks.read_button_value(buttons(slack.fake.messages[(dm, ts)])[blocks.ACTION_UPDATE])
    assert left.key_result_ids == tuple(kr.pk for kr in krs[24:])

    answer = slack.submit("U0MAYA", second, as_sent(second, typed)).json()

    assert slack.interactions == 3
    assert checkins_by("slack") == {
        kr.pk: (100 + i, "at_risk" if kr == world.lead_time else "on_track", "")
        for i, kr in enumerate(krs)
    }
    assert "Recorded 6 check-ins" in answer["view"]["blocks"][0]["text"]["text"]
    assert "Nothing else is due" in message_text(slack, dm, ts)


def test_no_change_for_30_takes_1_click_and_records_all(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    krs = thirty(world, frozen_now)
    dm, ts = deliver(world, slack, nudge_of(world, krs, frozen_now))
    value = buttons(slack.fake.messages[(dm, ts)])[blocks.ACTION_NO_CHANGE]

    slack.click("U0MAYA", blocks.ACTION_NO_CHANGE, value, channel=dm, ts=ts)

    assert slack.interactions == 1
    recorded = checkins_by("slack")
    assert len(recorded) == 30
    assert recorded[world.lead_time.pk] == (50, "at_risk", "")
    assert recorded[krs[29].pk] == (30, "on_track", "")
    assert "No change for 30 key results" in message_text(slack, dm, ts)


def test_no_snooze_is_offered_when_it_would_come_back_after_the_week(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    lead_time, _, _ = three(world, frozen_now)
    # The week ends in 12 hours: a snooze (a day) would come back after it.
    nudge = nudge_of(world, [lead_time], frozen_now, expires_at=frozen_now + dt.timedelta(hours=12))
    dm, ts = deliver(world, slack, nudge)

    shown = buttons(slack.fake.messages[(dm, ts)])
    assert set(shown) == {blocks.ACTION_UPDATE, blocks.ACTION_NO_CHANGE}
    assert NO_SNOOZE_LEFT in message_text(slack, dm, ts)

    # A Snooze from an older message of the week is refused and says why.
    slack.click("U0MAYA", blocks.ACTION_SNOOZE, shown[blocks.ACTION_UPDATE], channel=dm, ts=ts)
    (answer,) = slack.fake.calls_to("response_url")
    assert answer.params["text"] == NO_SNOOZE_LEFT
    assert not Nudge.objects.filter(kind=NudgeKind.SNOOZED).exists()
