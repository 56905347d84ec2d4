"""The pure parts: reading a submitted modal, the button payloads, and the error mapping."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from okrs.channels.base import DueKeyResult, NudgeMessage
from okrs.channels.slack import blocks
from okrs.channels.slack.errors import delivery_error
from tests.slack.payloads import valid_blocks


def kr(i: int, *, automatic: bool = False, current: float | None = 3.0) -> DueKeyResult:
    return DueKeyResult(
        id=i, ref=f"obj/kr-{i}", title=f"Key result <{i}> & co", unit="%", current=current,
        target=10, status="at_risk", automatic=automatic, confidence=None,
    )  # fmt: skip


def test_read_submission_parses_values_confidence_and_notes() -> None:
    metadata = blocks.ModalMetadata(7, ((1, False), (2, True)))
    values: dict[str, dict[str, Any]] = {
        "kr-1-value": {"value": {"value": "1,250.5"}},
        "kr-1-confidence": {"confidence": {"selected_option": {"value": "off_track"}}},
        "kr-1-note": {"note": {"value": "  blocked on review  "}},
        "kr-2-confidence": {"confidence": {"selected_option": {"value": "on_track"}}},
    }
    entries, errors = blocks.read_submission(values, metadata)
    assert errors == {}
    assert entries == [
        blocks.CheckInEntry(1, 1250.5, "off_track", "blocked on review"),
        blocks.CheckInEntry(2, None, "on_track", ""),
    ]


def test_read_submission_reports_each_bad_field() -> None:
    metadata = blocks.ModalMetadata(None, ((1, False), (2, False)))
    values: dict[str, dict[str, Any]] = {
        "kr-1-value": {"value": {"value": "nan"}},
        "kr-1-confidence": {"confidence": {"selected_option": {"value": "sure"}}},
        "kr-2-value": {"value": {"value": None}},
    }
    _, errors = blocks.read_submission(values, metadata)
    assert set(errors) == {"kr-1-value", "kr-1-confidence", "kr-2-value", "kr-2-confidence"}


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_a_prefilled_value_reads_back_as_itself(value: float) -> None:
    view = blocks.checkin_modal([kr(1, current=value)], nudge_id=None)
    element = next(b for b in view["blocks"] if b.get("block_id") == "kr-1-value")["element"]
    values: dict[str, dict[str, Any]] = {
        "kr-1-value": {"value": {"value": element["initial_value"]}},
        "kr-1-confidence": {"confidence": {"selected_option": {"value": "at_risk"}}},
    }
    metadata = blocks.ModalMetadata.load(view["private_metadata"])
    entries, errors = blocks.read_submission(values, metadata)
    assert errors == {} and entries[0].value == value


def test_modal_metadata_survives_the_round_trip_and_rejects_garbage() -> None:
    metadata = blocks.ModalMetadata(3, ((1, False), (9, True)), "D0MAYA", "1.2")
    assert blocks.ModalMetadata.load(metadata.dump()) == metadata
    assert blocks.ModalMetadata.load("{not json") == blocks.ModalMetadata(None, ())
    assert blocks.read_button_value("garbage") == blocks.ButtonValue(None, ())


def test_a_long_nudge_stays_within_slacks_block_limit() -> None:
    many = tuple(kr(i) for i in range(1, 80))
    message = NudgeMessage(nudge_id=5, person_id=1, cycle_name="2026-Q4", key_results=many,
                           checkin_url="")  # fmt: skip
    shown = blocks.nudge_blocks(message)
    assert len(shown) <= 50
    assert "39 more" in json.dumps(shown)
    assert len(blocks.checkin_modal(many, nudge_id=5)["blocks"]) <= 100
    # The buttons answer for every key result of the nudge, listed or not.
    actions = next(b for b in shown if b["type"] == "actions")
    value = blocks.read_button_value(actions["elements"][0]["value"])
    assert value == blocks.ButtonValue(5, tuple(range(1, 80)))


def test_the_nudge_asks_the_confidences_no_change_needs_as_far_as_50_blocks_allow() -> None:
    """Each listed key result with no confidence of the person's gets an empty input (those
    with one, or with no value to keep, none); past Slack's 50 blocks "No change" asks for
    the others in its modal."""
    answered = DueKeyResult(1, "obj/kr-1", "Answered", "%", 3.0, 10, "at_risk", False, "on_track")
    three = (answered, kr(2, automatic=True), kr(3, current=None))
    few = NudgeMessage(nudge_id=5, person_id=1, cycle_name="2026-Q4", checkin_url="",
                       key_results=three)  # fmt: skip
    shown = blocks.nudge_blocks(few)
    valid_blocks(shown)
    inputs = [b for b in shown if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == ["kr-2-confidence"]
    assert "initial_option" not in inputs[0]["element"]
    assert shown.index(inputs[0]) == 3  # under its key result's section

    many = NudgeMessage(nudge_id=5, person_id=1, cycle_name="2026-Q4", checkin_url="",
                        key_results=tuple(kr(i) for i in range(1, 80)))  # fmt: skip
    shown = blocks.nudge_blocks(many)
    valid_blocks(shown)
    assert len(shown) == 50
    assert [b["block_id"] for b in shown if b["type"] == "input"] == [
        f"kr-{i}-confidence" for i in range(1, 8)
    ]


def test_the_confidences_chosen_in_the_message_are_read_and_garbage_is_not() -> None:
    values: dict[str, Any] = {
        "kr-1-confidence": {"confidence": {"selected_option": {"value": "at_risk"}}},
        "kr-2-confidence": {"confidence": {"selected_option": None}},
        "kr-3-confidence": {"confidence": {"selected_option": {"value": "sure"}}},
        "kr-4-confidence": "garbage",
        "kr-5-confidence": {"confidence": ["garbage"]},
    }
    assert blocks.read_confidences(values, [1, 2, 3, 4, 5, 6]) == {1: "at_risk"}


def test_titles_are_escaped_for_mrkdwn() -> None:
    assert "Key result &lt;1&gt; &amp; co" in blocks.key_result_line(kr(1))


def api_error(status: int, body: dict, headers: dict | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None, http_verb="POST", api_url="https://slack.com/api/chat.postMessage",
        req_args={}, data=body, headers=headers or {}, status_code=status,
    )  # fmt: skip
    return SlackApiError("failed", response)


def test_error_mapping() -> None:
    limited = delivery_error(api_error(429, {"ok": False}, {"retry-after": "3"}))
    assert (limited.permanent, limited.retry_after) == (False, 3.0)
    assert delivery_error(api_error(200, {"ok": False, "error": "invalid_auth"})).permanent
    assert delivery_error(api_error(200, {"ok": False, "error": "users_not_found"})).permanent
    assert not delivery_error(api_error(502, {"ok": False, "error": "bad gateway"})).permanent
    assert not delivery_error(api_error(200, {"ok": False, "error": "internal_error"})).permanent
    assert not delivery_error(ConnectionRefusedError()).permanent


def test_a_milestone_reads_done_or_not_in_its_line() -> None:
    milestone = DueKeyResult(
        id=9, ref="k8s/complete", title="Complete the migration", unit="", current=0.0,
        target=1.0, status="at_risk", automatic=False, kind="milestone",
    )  # fmt: skip
    line = blocks.key_result_line(milestone)
    assert "Current: not done" in line and "Target: done" in line
    assert "Current: 0" not in line
