"""The Slack messages and views okrs sends, and the reading of a submitted check-in modal.

Pure functions over plain values (DueKeyResult, NudgeMessage): no ORM, no network, so the
shapes are tested directly. Slack's limits shape a few choices: a message holds at most 50
blocks and a modal 100, so long lists are cut with a line saying how many were left out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from okrs.channels.base import (
    AlertMessage,
    CheckInEntry,
    DueKeyResult,
    NudgeMessage,
    checkin_field_id,
)
from okrs.numbers import amount, positional_number

ACTION_UPDATE = "okrs_nudge_update"
ACTION_NO_CHANGE = "okrs_nudge_no_change"
ACTION_SNOOZE = "okrs_nudge_snooze"
ACTION_OPEN_CHECKIN = "okrs_open_checkin"  # the App Home's button: the modal without a nudge
CHECKIN_CALLBACK = "okrs_checkin"

CONFIDENCES = ("on_track", "at_risk", "off_track")
STATUS_LABELS = {
    "on_track": ":large_green_circle: On track",
    "at_risk": ":large_yellow_circle: At risk",
    "off_track": ":red_circle: Off track",
}
NO_STATUS = ":white_circle: No status yet"

MAX_MESSAGE_KEY_RESULTS = 40  # 50 blocks per message, with room for the header and buttons
MAX_MODAL_KEY_RESULTS = 24  # 4 blocks each, 100 blocks per modal
MAX_ERROR_LENGTH = 150


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", NO_STATUS)


def escape(text: str) -> str:
    """Slack's mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str, limit: int = 150) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text[:3000]}


def key_result_line(kr: DueKeyResult) -> str:
    parts = [
        f"Current: {amount(kr.current, kr.unit)}",
        f"Target: {amount(kr.target, kr.unit)}",
        status_label(kr.status),
    ]
    if kr.automatic:
        parts.append("value synced automatically")
    return f"*{escape(kr.title)}*\n`{escape(kr.ref)}` · " + " · ".join(parts)


def key_result_sections(krs: Sequence[DueKeyResult], limit: int) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "block_id": f"kr-{kr.id}", "text": _mrkdwn(key_result_line(kr))}
        for kr in krs[:limit]
    ]
    if len(krs) > limit:
        more = len(krs) - limit
        blocks.append(
            {"type": "context", "elements": [_mrkdwn(f"…and {more} more on the web app.")]}
        )
    return blocks


def button_value(nudge_id: int | None, key_result_ids: Sequence[int]) -> str:
    """What a button carries back: the nudge and the key results the message showed."""
    return json.dumps({"nudge": nudge_id, "krs": list(key_result_ids)}, separators=(",", ":"))


@dataclass(frozen=True)
class ButtonValue:
    nudge_id: int | None
    key_result_ids: tuple[int, ...]


def read_button_value(value: str | None) -> ButtonValue:
    try:
        data = json.loads(value or "{}")
        nudge = data.get("nudge")
        ids = tuple(int(i) for i in data.get("krs") or ())
        return ButtonValue(int(nudge) if nudge is not None else None, ids)
    except (ValueError, TypeError, AttributeError):
        return ButtonValue(None, ())


def nudge_text(message: NudgeMessage) -> str:
    """The notification's text (and what screen readers and old clients show)."""
    count = len(message.key_results)
    things = "key result" if count == 1 else "key results"
    lead = "Reminder: still" if message.reminder else "Time for your weekly check-in:"
    return f"{lead} {count} {things} to update in {message.cycle_key}."


def nudge_blocks(message: NudgeMessage) -> list[dict[str, Any]]:
    shown = message.key_results[:MAX_MESSAGE_KEY_RESULTS]
    value = button_value(message.nudge_id, [kr.id for kr in shown])
    return [
        {"type": "section", "text": _mrkdwn(f"*{escape(nudge_text(message))}*")},
        *key_result_sections(message.key_results, MAX_MESSAGE_KEY_RESULTS),
        {
            "type": "actions",
            "block_id": "okrs_nudge_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ACTION_UPDATE,
                    "text": _plain("Update"),
                    "style": "primary",
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": ACTION_NO_CHANGE,
                    "text": _plain("No change"),
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": ACTION_SNOOZE,
                    "text": _plain("Snooze"),
                    "value": value,
                },
            ],
        },
    ]


def alert_blocks(message: AlertMessage) -> list[dict[str, Any]]:
    # An alert's text is complete on its own (email sends it as is); its lines repeat the
    # detail as a list, so with lines only the headline of the text is shown here.
    body = escape(message.text.split("\n", 1)[0] if message.lines else message.text)
    if message.lines:
        body += "\n" + "\n".join(f"• {escape(line)}" for line in message.lines)
    if message.url:
        body += f"\n<{message.url}|Open in okrs>"
    return [
        {"type": "header", "text": _plain(message.subject)},
        {"type": "section", "text": _mrkdwn(body)},
    ]


def confirmation_blocks(
    heading: str, krs: Sequence[DueKeyResult], problems: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """What a nudge becomes once answered: the new statuses, and no buttons to press twice."""
    blocks: list[dict[str, Any]] = [{"type": "section", "text": _mrkdwn(f"*{escape(heading)}*")}]
    blocks += key_result_sections(krs, MAX_MESSAGE_KEY_RESULTS)
    if problems:
        text = "\n".join(f":warning: {escape(problem)}" for problem in problems)
        blocks.append({"type": "section", "text": _mrkdwn(text)})
    return blocks


def list_blocks(krs: Sequence[DueKeyResult]) -> list[dict[str, Any]]:
    """`/okr`: my key results, with a hint about checking in."""
    if not krs:
        return [{"type": "section", "text": _mrkdwn("You own no key results in a running cycle.")}]
    return [
        {"type": "section", "text": _mrkdwn(f"*Your key results ({len(krs)})*")},
        *key_result_sections(krs, MAX_MESSAGE_KEY_RESULTS),
        {"type": "context", "elements": [_mrkdwn("`/okr checkin` to update them.")]},
    ]


def home_view(krs: Sequence[DueKeyResult] | None, *, due_ids: set[int] | None = None) -> dict:
    """The App Home tab. `krs=None` means the Slack user is not matched to a person."""
    if krs is None:
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": _plain("okrs")},
            {"type": "section", "text": _mrkdwn(NOT_MATCHED)},
        ]
        return {"type": "home", "blocks": blocks}
    due = due_ids or set()
    blocks = [{"type": "header", "text": _plain("Your key results")}]
    if not krs:
        blocks.append(
            {"type": "section", "text": _mrkdwn("You own no key results in a running cycle.")}
        )
        return {"type": "home", "blocks": blocks}
    if due:
        blocks.append(
            {
                "type": "context",
                "elements": [_mrkdwn(f"{len(due)} due for a check-in this week.")],
            }
        )
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ACTION_OPEN_CHECKIN,
                    "text": _plain("Check in"),
                    "style": "primary",
                    "value": button_value(None, [kr.id for kr in krs if kr.id in due]),
                }
            ],
        }
    )
    blocks += key_result_sections(krs, MAX_MESSAGE_KEY_RESULTS)
    return {"type": "home", "blocks": blocks}


NOT_MATCHED = (
    "I could not match your Slack account to a person in okrs: the email address of your "
    "Slack profile must be the one okrs knows. Ask an okrs admin to add it. Nothing was recorded."
)


# --- the check-in modal -----------------------------------------------------------------------


value_block_id = partial(checkin_field_id, field="value")
confidence_block_id = partial(checkin_field_id, field="confidence")
note_block_id = partial(checkin_field_id, field="note")


def _confidence_option(value: str) -> dict[str, Any]:
    return {"text": _plain(status_label(value).split(" ", 1)[1]), "value": value}


@dataclass(frozen=True)
class ModalMetadata:
    """What the modal remembers between opening and submission (private_metadata)."""

    nudge_id: int | None
    key_results: tuple[tuple[int, bool], ...]  # (id, automatic) in the order shown
    channel: str = ""  # the nudge DM to update once answered
    ts: str = ""

    def dump(self) -> str:
        return json.dumps(
            {
                "nudge": self.nudge_id,
                "krs": [list(pair) for pair in self.key_results],
                "channel": self.channel,
                "ts": self.ts,
            },
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, text: str | None) -> ModalMetadata:
        try:
            data = json.loads(text or "{}")
            pairs = tuple((int(kr_id), bool(auto)) for kr_id, auto in data.get("krs") or ())
            nudge = data.get("nudge")
            return cls(
                int(nudge) if nudge is not None else None,
                pairs,
                str(data.get("channel") or ""),
                str(data.get("ts") or ""),
            )
        except (ValueError, TypeError, AttributeError):
            return cls(None, ())


def checkin_modal(
    krs: Sequence[DueKeyResult], *, nudge_id: int | None, channel: str = "", ts: str = ""
) -> dict[str, Any]:
    shown = list(krs[:MAX_MODAL_KEY_RESULTS])
    metadata = ModalMetadata(nudge_id, tuple((kr.id, kr.automatic) for kr in shown), channel, ts)
    blocks: list[dict[str, Any]] = []
    for kr in shown:
        blocks.append({"type": "section", "text": _mrkdwn(key_result_line(kr))})
        if not kr.automatic:
            number: dict[str, Any] = {
                "type": "number_input",
                "action_id": "value",
                "is_decimal_allowed": True,
            }
            if kr.current is not None and math.isfinite(kr.current):
                number["initial_value"] = positional_number(kr.current)
            blocks.append(
                {
                    "type": "input",
                    "block_id": value_block_id(kr.id),
                    "label": _plain(f"Value ({kr.unit})" if kr.unit else "Value"),
                    "element": number,
                }
            )
        select: dict[str, Any] = {
            "type": "static_select",
            "action_id": "confidence",
            "placeholder": _plain("How confident are you?"),
            "options": [_confidence_option(value) for value in CONFIDENCES],
        }
        prefill = kr.confidence if kr.confidence in CONFIDENCES else kr.status
        if prefill in CONFIDENCES:
            select["initial_option"] = _confidence_option(prefill)
        blocks.append(
            {
                "type": "input",
                "block_id": confidence_block_id(kr.id),
                "label": _plain("Confidence"),
                "element": select,
            }
        )
        blocks.append(
            {
                "type": "input",
                "block_id": note_block_id(kr.id),
                "optional": True,
                "label": _plain("Note (blockers, context)"),
                "element": {"type": "plain_text_input", "action_id": "note", "multiline": True},
            }
        )
    if len(krs) > len(shown):
        more = len(krs) - len(shown)
        blocks.append(
            {"type": "context", "elements": [_mrkdwn(f"{more} more: check in on the web app.")]}
        )
    return {
        "type": "modal",
        "callback_id": CHECKIN_CALLBACK,
        "title": _plain("Check in", 24),
        "submit": _plain("Save", 24),
        "close": _plain("Cancel", 24),
        "private_metadata": metadata.dump(),
        "blocks": blocks,
    }


def result_view(heading: str, krs: Sequence[DueKeyResult]) -> dict[str, Any]:
    """The modal after a successful submission: what was recorded and the new statuses."""
    return {
        "type": "modal",
        "title": _plain("Check in", 24),
        "close": _plain("Done", 24),
        "blocks": confirmation_blocks(heading, krs),
    }


def message_view(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": _plain("Check in", 24),
        "close": _plain("Close", 24),
        "blocks": [{"type": "section", "text": _mrkdwn(text)}],
    }


def read_submission(
    values: Mapping[str, Mapping[str, Any]], metadata: ModalMetadata
) -> tuple[list[CheckInEntry], dict[str, str]]:
    """The check-ins a submitted modal asks for, or errors keyed by block id for the modal."""
    entries: list[CheckInEntry] = []
    errors: dict[str, str] = {}
    for kr_id, automatic in metadata.key_results:
        value: float | None = None
        if not automatic:
            raw = (values.get(value_block_id(kr_id), {}).get("value") or {}).get("value")
            text = str(raw or "").strip().replace(",", "")
            if not text:
                errors[value_block_id(kr_id)] = "Enter the current value."
            else:
                try:
                    value = float(text)
                except ValueError:
                    errors[value_block_id(kr_id)] = f"{str(raw)[:40]!r} is not a number."
                else:
                    if not math.isfinite(value):
                        errors[value_block_id(kr_id)] = "Enter a finite number."
        selected = (values.get(confidence_block_id(kr_id), {}).get("confidence") or {}).get(
            "selected_option"
        ) or {}
        confidence = str(selected.get("value") or "")
        if confidence not in CONFIDENCES:
            errors[confidence_block_id(kr_id)] = "Choose on track, at risk or off track."
        note_state = values.get(note_block_id(kr_id), {}).get("note") or {}
        note = str(note_state.get("value") or "").strip()
        entries.append(CheckInEntry(kr_id, value, confidence, note))
    return entries, errors


def short_error(text: str) -> str:
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 1] + "…"
