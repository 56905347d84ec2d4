"""Whether a signed body into /slack/events/ has the shape Slack gives its payloads.

Bolt reads the body while it builds its request object and again in its middleware, with no
guard: a body that is not JSON, or whose `event` is a string, raises inside Bolt and the answer
would be a 500. Slack never sends such bodies; the view checks them here (only after the
signature is verified) and answers 400 with what is wrong. No ORM: tested directly.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.request.internals import parse_body

# Objects in Slack's payloads that Bolt or our listeners index into. None is allowed where Bolt
# itself expects it (org-wide installs send "team": null, for example).
OBJECTS = ("event", "view", "workflow_step")
NULLABLE_OBJECTS = ("container", "message", "previous_message", "item", "assistant_thread")
OBJECTS_OR_IDS = ("team", "user", "channel", "enterprise")
LISTS_OF_OBJECTS = ("actions", "response_urls")
NULLABLE_LISTS_OF_OBJECTS = ("authorizations",)
# Bolt looks for the same fields again inside these (an event's user, a message's channel).
NESTED = ("event", "message", "previous_message", "item", "authorizations")
# Slack nests a message in an event at most; deeper nesting is refused before it is walked.
MAX_DEPTH = 4


class MalformedPayload(ValueError):
    """The signed body cannot be a Slack request; the message says why."""


def check(body: str, content_type: str | None) -> None:
    """Raise MalformedPayload unless Bolt can read `body` as Slack would have sent it."""
    try:
        # Bolt's own reading: JSON, a form whose `payload` field is JSON, or a plain form.
        parsed = parse_body(body, content_type)
    except ValueError as exc:
        raise MalformedPayload(f"The request body is not valid JSON ({exc}).") from exc
    except RecursionError as exc:  # the json module's answer to thousands of nested brackets
        raise MalformedPayload("The request body is nested too deeply.") from exc
    _check_object(parsed, "the payload", 0)


def _check_object(value: Any, where: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise MalformedPayload(f"{where.capitalize()} is nested too deeply.")
    if not isinstance(value, dict):
        raise MalformedPayload(f"{where.capitalize()} must be a JSON object.")
    for key in (*OBJECTS, *NULLABLE_OBJECTS, *OBJECTS_OR_IDS):
        if key not in value:
            continue
        item = value[key]
        if item is None and key not in OBJECTS:
            continue
        if isinstance(item, str) and key in OBJECTS_OR_IDS:
            continue
        if not isinstance(item, dict):
            kind = "a string or a JSON object" if key in OBJECTS_OR_IDS else "a JSON object"
            raise MalformedPayload(f'"{key}" in {where} must be {kind}.')
    view = value.get("view")
    if isinstance(view, dict):
        _check_view(view, where)
    for key in (*LISTS_OF_OBJECTS, *NULLABLE_LISTS_OF_OBJECTS):
        items = value.get(key)
        if key not in value or (items is None and key in NULLABLE_LISTS_OF_OBJECTS):
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise MalformedPayload(f'"{key}" in {where} must be a list of JSON objects.')
    urls = value.get("response_urls")
    if "response_url" not in value and isinstance(urls, list) and len(urls) > 1:
        # Bolt logs "several response URLs" through a context logger it has not set yet and
        # raises. Our modals ask for no response URL at all (no `response_url_enabled`).
        raise MalformedPayload(f'{where.capitalize()} may carry at most one "response_urls".')
    for key in NESTED:
        nested = value.get(key)
        if isinstance(nested, dict):
            _check_object(nested, f'"{key}"', depth + 1)
        elif isinstance(nested, list):
            for item in nested:
                _check_object(item, f'"{key}"', depth + 1)


def _check_view(view: dict[str, Any], where: str) -> None:
    if not isinstance(view.get("type"), str):
        # Every view Slack sends says what it is ("modal", "home"); Bolt reads it unguarded.
        raise MalformedPayload(f'"view" in {where} must have a "type".')
    # A submitted modal's fields: {"values": {block_id: {action_id: {...}}}}.
    state = view.get("state", {})
    if not isinstance(state, dict) or not isinstance(state.get("values", {}), dict):
        raise MalformedPayload(f'"state" of "view" in {where} must be {{"values": {{...}}}}.')
