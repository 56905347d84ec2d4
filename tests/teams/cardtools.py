"""Reading Adaptive Cards in tests as Teams would render and submit them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


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
