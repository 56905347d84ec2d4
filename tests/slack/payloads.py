"""Every Slack payload checked with slack_sdk's own models, which know Slack's limits (blocks per
message and view, text lengths, options, ids): parsed into the model, validated, and written
back unchanged (a field the model does not know would be dropped, and fail the comparison)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.fakes.slack import Call

MAX_MESSAGE_BLOCKS = 50


def valid_blocks(blocks: list[dict[str, Any]]) -> None:
    assert len(blocks) <= MAX_MESSAGE_BLOCKS, f"{len(blocks)} blocks in one message"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, f"not a block: {block}"
        parsed.validate_json()
        assert parsed.to_dict() == block, f"slack_sdk does not know all of {block}"


def valid_view(view: dict[str, Any]) -> None:
    parsed = View(**view)
    parsed.validate_json()  # 100 blocks, title/submit/close lengths, private_metadata size
    assert parsed.to_dict() == view, "slack_sdk does not know all of the view"


def valid_call(call: Call) -> None:
    """What okrs sent to the fake Web API (or to a response_url)."""
    if isinstance(call.params.get("blocks"), list):
        valid_blocks(call.params["blocks"])
    if isinstance(call.params.get("view"), dict):
        valid_view(call.params["view"])


def valid_answer(answer: dict[str, Any]) -> None:
    """What okrs answered a view submission with (ack): a view, or errors by block id."""
    if "view" in answer:
        valid_view(answer["view"])
