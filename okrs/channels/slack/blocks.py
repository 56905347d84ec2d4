"""The Slack messages and views okrs sends, and the reading of a submitted check-in modal.

Pure functions over plain values (DueKeyResult, NudgeMessage): no ORM, no network, so the
shapes are tested directly. Slack's limits shape a few choices: a message holds at most 50
blocks and a modal 100. A message lists at most 40 key results (its buttons still cover all of
them, and a link leads to the web app); the check-in modal shows 24 at a time, and submitting a
page records it and shows the next one in the same modal.

Nothing is preselected that the person did not say: a confidence input starts empty, or with
the confidence the person gave last time, labelled so ("On track (your last answer)"). A
milestone's value is a menu of "Not done" and "Done" (stored as 0 or 1), empty unless a
person's latest check-in said one of them ("Done (your last answer)"); left empty, the
current state is kept.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from okrs.channels.base import (
    MILESTONE_CHOICES,
    MILESTONE_ERROR,
    MILESTONE_LABEL,
    MILESTONE_PLACEHOLDER,
    AlertMessage,
    CheckInEntry,
    DueKeyResult,
    NudgeMessage,
    checkin_field_id,
    read_milestone,
)
from okrs.numbers import MILESTONE, kind_amount, milestone_answer, positional_number

ACTION_UPDATE = "okrs_nudge_update"
ACTION_NO_CHANGE = "okrs_nudge_no_change"
ACTION_SNOOZE = "okrs_nudge_snooze"
ACTION_OPEN_CHECKIN = "okrs_open_checkin"  # the App Home's button: the modal without a nudge
CHECKIN_CALLBACK = "okrs_checkin"
# The modal "No change" opens for key results with no earlier confidence to confirm.
CONFIRM_CALLBACK = "okrs_confirm"

CONFIDENCES = ("on_track", "at_risk", "off_track")
STATUS_LABELS = {
    "on_track": ":large_green_circle: On track",
    "at_risk": ":large_yellow_circle: At risk",
    "off_track": ":red_circle: Off track",
}
NO_STATUS = ":white_circle: No status yet"

MAX_MESSAGE_BLOCKS = 50
MAX_MESSAGE_KEY_RESULTS = 40  # 50 blocks per message, with room for the header and buttons
MAX_MODAL_KEY_RESULTS = 24  # a page of the modal: 4 blocks each, 100 blocks per modal
MAX_ERROR_LENGTH = 150
MAX_BUTTON_VALUE = 2000  # Slack's limit on a button's value
MAX_METADATA = 3000  # and on a modal's private_metadata
LAST_ANSWER = "(your last answer)"


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
        f"Current: {kind_amount(kr.current, kr.unit, kr.kind)}",
        f"Target: {kind_amount(kr.target, kr.unit, kr.kind)}",
        status_label(kr.status),
    ]
    if kr.automatic:
        parts.append("value synced automatically")
    return f"*{escape(kr.title)}*\n`{escape(kr.ref)}` · " + " · ".join(parts)


def key_result_sections(
    krs: Sequence[DueKeyResult], limit: int, *, more: str = ""
) -> list[dict[str, Any]]:
    """One section per key result, at most `limit`; `more` says where the others are (the
    buttons below cover them, a link leads to the web app)."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "block_id": f"kr-{kr.id}", "text": _mrkdwn(key_result_line(kr))}
        for kr in krs[:limit]
    ]
    if len(krs) > limit:
        left = len(krs) - limit
        text = f"…and {left} more{': ' + more if more else '.'}"
        blocks.append({"type": "context", "elements": [_mrkdwn(text)]})
    return blocks


def web_link(url: str, text: str = "check in on the web app") -> str:
    return f"<{url}|{escape(text)}>" if url else escape(text)


def button_value(nudge_id: int | None, key_result_ids: Sequence[int], round_: int = 0) -> str:
    """What a button carries back: the nudge, the key results it is about and which rendering
    of the message it was on (`round_`: a double click on one rendering is answered once, a
    press on the message as updated afterwards is a new answer). Ids that would not fit in
    Slack's limit are left out: the handler then takes whatever of the person's is due."""
    value = json.dumps(
        {"nudge": nudge_id, "krs": list(key_result_ids), "round": round_}, separators=(",", ":")
    )
    if len(value) > MAX_BUTTON_VALUE:
        value = json.dumps({"nudge": nudge_id, "krs": [], "round": round_}, separators=(",", ":"))
    return value


@dataclass(frozen=True)
class ButtonValue:
    nudge_id: int | None
    key_result_ids: tuple[int, ...]
    round: int = 0


def read_button_value(value: str | None) -> ButtonValue:
    try:
        data = json.loads(value or "{}")
        nudge = data.get("nudge")
        ids = tuple(int(i) for i in data.get("krs") or ())
        round_ = int(data.get("round") or 0)
        return ButtonValue(int(nudge) if nudge is not None else None, ids, round_)
    except (ValueError, TypeError, AttributeError):
        return ButtonValue(None, ())


def nudge_text(message: NudgeMessage) -> str:
    """The notification's text (and what screen readers and old clients show)."""
    count = len(message.key_results)
    things = "key result" if count == 1 else "key results"
    lead = "Reminder: still" if message.reminder else "Time for your weekly check-in:"
    return f"{lead} {count} {things} to update in {message.cycle_name}."


def _button(action_id: str, title: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": _plain(title),
        "value": value,
    }
    if primary:
        button["style"] = "primary"
    return button


def answer_buttons(
    nudge_id: int | None, key_result_ids: Sequence[int], *, snooze: bool, round_: int = 0
) -> dict[str, Any]:
    """Update, No change (and Snooze when a snooze can still come back this week), about
    every key result of `key_result_ids`, listed in the message or not."""
    value = button_value(nudge_id, key_result_ids, round_)
    elements = [
        _button(ACTION_UPDATE, "Update", value, primary=True),
        _button(ACTION_NO_CHANGE, "No change", value),
    ]
    if snooze and nudge_id is not None:
        elements.append(_button(ACTION_SNOOZE, "Snooze", value))
    return {"type": "actions", "block_id": f"okrs_nudge_actions_{round_}", "elements": elements}


def asks_confidence(kr: DueKeyResult) -> bool:
    """Whether "No change" needs a confidence chosen for `kr`: the person gave none before (a
    sync gives none), and there is a value to keep."""
    return kr.confidence not in CONFIDENCES and kr.current is not None


# In the message the input is not dispatching: choosing sends nothing by itself, Slack sends the
# choice as the message's state with the press of "No change" (or of any button of the message).
MESSAGE_CONFIDENCE_LABEL = "Your confidence (none to confirm yet: choose one for No change)"


def nudge_blocks(
    message: NudgeMessage, *, snooze: bool = True, no_snooze_reason: str = ""
) -> list[dict[str, Any]]:
    """The nudge DM. `snooze` is whether a snooze pressed now would still come back in the
    check-in week; when not, the button is left out and `no_snooze_reason` says why.

    Under each listed key result with no confidence of the person's to confirm, a confidence
    input, empty: "No change" then answers everything in one click. As many as fit in the
    message's 50 blocks; "No change" asks for the others in a modal."""
    ids = [kr.id for kr in message.key_results]
    more = "the buttons below cover them all, or " + web_link(message.checkin_url)
    listed = message.key_results[:MAX_MESSAGE_KEY_RESULTS]
    sections = key_result_sections(message.key_results, MAX_MESSAGE_KEY_RESULTS, more=more)
    tail = [answer_buttons(message.nudge_id, ids, snooze=snooze)]
    if not snooze and no_snooze_reason:
        tail.append({"type": "context", "elements": [_mrkdwn(escape(no_snooze_reason))]})
    room = MAX_MESSAGE_BLOCKS - 1 - len(sections) - len(tail)
    asked = {kr.id for kr in [kr for kr in listed if asks_confidence(kr)][: max(room, 0)]}
    body: list[dict[str, Any]] = []
    for kr, section in zip(listed, sections, strict=False):
        body.append(section)
        if kr.id in asked:
            body.append(_confidence_input(kr, label=MESSAGE_CONFIDENCE_LABEL))
    body += sections[len(listed) :]  # "…and N more"
    return [
        {"type": "section", "text": _mrkdwn(f"*{escape(nudge_text(message))}*")},
        *body,
        *tail,
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
    heading: str,
    krs: Sequence[DueKeyResult],
    problems: Sequence[str] = (),
    *,
    still_due: Sequence[DueKeyResult] = (),
    nudge_id: int | None = None,
    round_: int = 1,
    web_url: str = "",
) -> list[dict[str, Any]]:
    """What a nudge becomes once answered: what was recorded with the new statuses, and what
    is still due with the buttons to answer it (none when nothing is left to press twice)."""
    blocks: list[dict[str, Any]] = [{"type": "section", "text": _mrkdwn(f"*{escape(heading)}*")}]
    limit = MAX_MESSAGE_KEY_RESULTS // 2 if still_due else MAX_MESSAGE_KEY_RESULTS
    blocks += key_result_sections(krs, limit, more="recorded too.")
    if problems:
        text = "\n".join(f":warning: {escape(short_error(problem))}" for problem in problems[:10])
        blocks.append({"type": "section", "text": _mrkdwn(text)})
    if still_due:
        count = len(still_due)
        blocks.append(
            {
                "type": "section",
                "text": _mrkdwn(f"*Still due: {count} key result{'s' if count != 1 else ''}*"),
            }
        )
        more = "the buttons below cover them all, or " + web_link(web_url)
        blocks += key_result_sections(still_due, MAX_MESSAGE_KEY_RESULTS // 2 - 2, more=more)
        blocks.append(
            answer_buttons(nudge_id, [kr.id for kr in still_due], snooze=False, round_=round_)
        )
    else:
        blocks.append(
            {"type": "context", "elements": [_mrkdwn("Nothing else is due for this check-in.")]}
        )
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


def _confidence_option(value: str, *, last: bool = False) -> dict[str, Any]:
    label = status_label(value).split(" ", 1)[1]
    return {"text": _plain(f"{label} {LAST_ANSWER}" if last else label), "value": value}


def confidence_select(kr: DueKeyResult) -> dict[str, Any]:
    """The confidence input: empty, or the person's own last answer, labelled as such. The
    computed status is never preselected: saving untouched would record a confidence nobody
    chose. (Slack matches the initial option by value and label, so the option carries the
    label too.)"""
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": "confidence",
        "placeholder": _plain("How confident are you?"),
        "options": [
            _confidence_option(value, last=value == kr.confidence) for value in CONFIDENCES
        ],
    }
    if kr.confidence in CONFIDENCES:
        select["initial_option"] = _confidence_option(kr.confidence, last=True)
    return select


@dataclass(frozen=True)
class ModalMetadata:
    """What the modal remembers between opening and submission (private_metadata).

    `key_results` are this page's, with whether each has no value input (automatic, or a
    confidence asked for "No change"); `rest` the key results of the pages after it, or None
    when they did not fit in Slack's limit (then whatever of the person's is still due)."""

    nudge_id: int | None
    key_results: tuple[tuple[int, bool], ...]  # (id, no value input) in the order shown
    channel: str = ""  # the nudge DM to update once answered
    ts: str = ""
    rest: tuple[int, ...] | None = ()
    round: int = 0  # the rendering of the DM the modal was opened from

    def dump(self) -> str:
        data: dict[str, Any] = {
            "nudge": self.nudge_id,
            "krs": [list(pair) for pair in self.key_results],
            "channel": self.channel,
            "ts": self.ts,
            "rest": list(self.rest) if self.rest is not None else None,
            "round": self.round,
        }
        text = json.dumps(data, separators=(",", ":"))
        if len(text) > MAX_METADATA:
            data["rest"] = None
            text = json.dumps(data, separators=(",", ":"))
        return text

    @classmethod
    def load(cls, text: str | None) -> ModalMetadata:
        try:
            data = json.loads(text or "{}")
            pairs = tuple((int(kr_id), bool(auto)) for kr_id, auto in data.get("krs") or ())
            nudge = data.get("nudge")
            rest = data.get("rest", ())
            return cls(
                int(nudge) if nudge is not None else None,
                pairs,
                str(data.get("channel") or ""),
                str(data.get("ts") or ""),
                tuple(int(i) for i in rest) if rest is not None else None,
                int(data.get("round") or 0),
            )
        except (ValueError, TypeError, AttributeError):
            return cls(None, ())


def _milestone_option(value: str, label: str, *, last: bool = False) -> dict[str, Any]:
    return {"text": _plain(f"{label} {LAST_ANSWER}" if last else label), "value": value}


def milestone_select(kr: DueKeyResult) -> dict[str, Any]:
    """A milestone's value: "Not done" or "Done", nothing chosen unless a person's latest
    check-in said it (then that one, labelled as their last answer). Its starting 0 is not
    something anyone said, so it is never preselected."""
    said = milestone_answer(kr.current, said=kr.said)
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "placeholder": _plain(MILESTONE_PLACEHOLDER),
        "options": [
            _milestone_option(value, label, last=value == said)
            for value, label in MILESTONE_CHOICES
        ],
    }
    if said:
        label = dict(MILESTONE_CHOICES)[said]
        select["initial_option"] = _milestone_option(said, label, last=True)
    return select


def _value_input(kr: DueKeyResult) -> dict[str, Any]:
    if kr.kind == MILESTONE:
        # Optional: no choice keeps the current state (as "No change" does); the block id is
        # the number's, so the submission is read by the same id.
        return {
            "type": "input",
            "block_id": value_block_id(kr.id),
            "optional": True,
            "label": _plain(MILESTONE_LABEL),
            "element": milestone_select(kr),
        }
    number: dict[str, Any] = {
        "type": "number_input",
        "action_id": "value",
        "is_decimal_allowed": True,
    }
    if kr.current is not None and math.isfinite(kr.current):
        number["initial_value"] = positional_number(kr.current)
    return {
        "type": "input",
        "block_id": value_block_id(kr.id),
        "label": _plain(f"Value ({kr.unit})" if kr.unit else "Value"),
        "element": number,
    }


def _confidence_input(kr: DueKeyResult, *, label: str = "Confidence") -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": confidence_block_id(kr.id),
        "label": _plain(label),
        "element": confidence_select(kr),
    }


def _modal(
    callback: str, blocks: list[dict[str, Any]], metadata: ModalMetadata, submit: str
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback,
        "title": _plain("Check in", 24),
        "submit": _plain(submit, 24),
        "close": _plain("Cancel", 24),
        "private_metadata": metadata.dump(),
        "blocks": blocks,
    }


def checkin_modal(
    krs: Sequence[DueKeyResult],
    *,
    nudge_id: int | None,
    channel: str = "",
    ts: str = "",
    heading: str = "",
    round_: int = 0,
) -> dict[str, Any]:
    """The check-in modal's first page (24 key results); the others are its next pages, shown
    in the same modal when this one is submitted."""
    shown = list(krs[:MAX_MODAL_KEY_RESULTS])
    rest = tuple(kr.id for kr in krs[MAX_MODAL_KEY_RESULTS:])
    metadata = ModalMetadata(
        nudge_id, tuple((kr.id, kr.automatic) for kr in shown), channel, ts, rest, round_
    )
    blocks: list[dict[str, Any]] = []
    lead = heading
    if rest:
        lead = (lead + "\n" if lead else "") + (
            f"{len(shown)} of {len(krs)} here; Save shows the other {len(rest)}."
        )
    if lead:
        blocks.append({"type": "context", "elements": [_mrkdwn(escape(lead))]})
    for kr in shown:
        blocks.append({"type": "section", "text": _mrkdwn(key_result_line(kr))})
        if not kr.automatic:
            blocks.append(_value_input(kr))
        blocks.append(_confidence_input(kr))
        blocks.append(
            {
                "type": "input",
                "block_id": note_block_id(kr.id),
                "optional": True,
                "label": _plain("Note (blockers, context)"),
                "element": {"type": "plain_text_input", "action_id": "note", "multiline": True},
            }
        )
    return _modal(CHECKIN_CALLBACK, blocks, metadata, "Save" if not rest else "Save and next")


def confirm_modal(
    krs: Sequence[DueKeyResult],
    *,
    nudge_id: int | None,
    channel: str = "",
    ts: str = "",
    heading: str = "",
    round_: int = 0,
) -> dict[str, Any]:
    """ "No change" for key results with no earlier confidence of the person's to confirm: the
    values are kept, and only a confidence is asked (none is chosen for them)."""
    shown = list(krs[: MAX_MODAL_KEY_RESULTS * 2])  # 2 blocks each
    rest = tuple(kr.id for kr in krs[len(shown) :])
    metadata = ModalMetadata(
        nudge_id, tuple((kr.id, True) for kr in shown), channel, ts, rest, round_
    )
    blocks: list[dict[str, Any]] = [
        {
            "type": "context",
            "elements": [
                _mrkdwn(
                    escape(
                        (heading + "\n" if heading else "")
                        + "No confidence of yours to confirm yet: choose one. Values are kept."
                    )
                )
            ],
        }
    ]
    for kr in shown:
        blocks.append({"type": "section", "text": _mrkdwn(key_result_line(kr))})
        blocks.append(_confidence_input(kr))
    return _modal(CONFIRM_CALLBACK, blocks, metadata, "Confirm")


def next_page(
    krs: Sequence[DueKeyResult], previous: ModalMetadata, *, heading: str
) -> dict[str, Any]:
    """The modal's next page after a submitted one, remembering the same DM."""
    return checkin_modal(
        krs,
        nudge_id=previous.nudge_id,
        channel=previous.channel,
        ts=previous.ts,
        heading=heading,
        round_=previous.round,
    )


def result_view(
    heading: str,
    krs: Sequence[DueKeyResult],
    problems: Sequence[str] = (),
    *,
    still_due: Sequence[DueKeyResult] = (),
) -> dict[str, Any]:
    """The modal after the last page: what was recorded, the new statuses, what is still due."""
    blocks = [{"type": "section", "text": _mrkdwn(f"*{escape(heading)}*")}]
    blocks += key_result_sections(krs, MAX_MESSAGE_KEY_RESULTS, more="recorded too.")
    if problems:
        text = "\n".join(f":warning: {escape(short_error(problem))}" for problem in problems[:10])
        blocks.append({"type": "section", "text": _mrkdwn(text)})
    if still_due:
        count = len(still_due)
        titles = ", ".join(escape(kr.title[:80]) for kr in still_due[:10])
        more = f" and {count - 10} more" if count > 10 else ""
        blocks.append(
            {
                "type": "section",
                "text": _mrkdwn(
                    f"*Still due: {count}* ({titles}{more}). Update in the message, or "
                    "`/okr checkin`."
                ),
            }
        )
    return {
        "type": "modal",
        "title": _plain("Check in", 24),
        "close": _plain("Done", 24),
        "blocks": blocks,
    }


def message_view(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": _plain("Check in", 24),
        "close": _plain("Close", 24),
        "blocks": [{"type": "section", "text": _mrkdwn(text)}],
    }


def read_confidences(
    values: Mapping[str, Mapping[str, Any]], key_result_ids: Sequence[int]
) -> dict[int, str]:
    """The confidences chosen in the message's inputs (its `state.values`, sent with a press
    of one of its buttons), by key result id; one not chosen is left out."""
    chosen: dict[int, str] = {}
    for kr_id in key_result_ids:
        # The state comes from the client: any level of it may be missing or malformed.
        state = values.get(confidence_block_id(kr_id))
        element = state.get("confidence") if isinstance(state, Mapping) else None
        selected = element.get("selected_option") if isinstance(element, Mapping) else None
        value = selected.get("value") if isinstance(selected, Mapping) else None
        if value in CONFIDENCES:
            chosen[kr_id] = str(value)
    return chosen


# What a malformed input sent: no choice that can be read, so refused like a forged one.
_UNREADABLE = object()


def _milestone_choice(state: Any) -> Any:
    """The value a milestone's input sent: its chosen option's (None when none is), or the
    text of a number input (a modal opened before milestones were asked as a choice)."""
    if state is None:
        return None
    element = state.get("value") if isinstance(state, Mapping) else _UNREADABLE
    if element is None or not isinstance(element, Mapping):
        return element
    if "selected_option" in element:
        selected = element.get("selected_option")
        if selected is None:
            return None
        return selected.get("value") if isinstance(selected, Mapping) else _UNREADABLE
    return element.get("value")


def read_submission(
    values: Mapping[str, Mapping[str, Any]],
    metadata: ModalMetadata,
    *,
    milestones: frozenset[int] = frozenset(),
) -> tuple[list[CheckInEntry], dict[str, str]]:
    """The check-ins a submitted modal asks for, or errors keyed by block id for the modal.

    `milestones` are the key results (read from the database, not from the modal) whose value
    is a choice of not done (0) or done (1); none chosen keeps the current state."""
    entries: list[CheckInEntry] = []
    errors: dict[str, str] = {}
    for kr_id, automatic in metadata.key_results:
        value: float | None = None
        if not automatic and kr_id in milestones:
            value, understood = read_milestone(_milestone_choice(values.get(value_block_id(kr_id))))
            if not understood:
                errors[value_block_id(kr_id)] = MILESTONE_ERROR
        elif not automatic:
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
