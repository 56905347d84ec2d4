"""The OpenAPI document at /api/v1/openapi.json tells every answer an operation may give.

Each route declares its own answers (200, the 404 of an unknown key, ...). The answers that come
from one place for every route are added here, beside the place that gives them: the 400 of
okrs.security for unreadable input, the 401 and 403 of okrs.web.api (its authentication), the 503 of
okrs.web.errors. schemathesis holds the document to the truth in CI (scripts/fuzz_api.py).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from okrs.api import schemas

UNREADABLE = (
    "A NUL character or text that is not UTF-8 in the path, the query, a header or the body"
)
COMMON_ANSWERS = {
    400: UNREADABLE,
    401: "No valid credentials: no bearer token, a revoked one, and no signed-in session",
    403: "The caller may not do this, or a signed-in session sent no valid CSRF token",
    503: "The database cannot be reached for a moment: retry after the Retry-After seconds",
}
SESSION_SCHEME = "SignedInSession"


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """Add the answers every operation shares, and spell parameters as a query has them."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", schemas.Error.model_json_schema())
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _without_null(parameter["schema"])
            responses = operation.setdefault("responses", {})
            _answer(responses, 400, COMMON_ANSWERS[400], error)
            # okrs.web.errors answers any request that meets an unreachable database with it.
            _answer(responses, 503, COMMON_ANSWERS[503], error)
            responses[503]["headers"] = {"Retry-After": {"schema": {"type": "string"}}}
            security = operation.get("security") or []
            if security:
                _answer(responses, 401, COMMON_ANSWERS[401], error)
                responses[401]["headers"] = {
                    "WWW-Authenticate": {"schema": {"type": "string", "enum": ["Bearer"]}}
                }
            if method != "get" and any(SESSION_SCHEME in scheme for scheme in security):
                _answer(responses, 403, COMMON_ANSWERS[403], error)
    return document


def _answer(responses: dict[Any, Any], status: int, text: str, content: dict[str, Any]) -> None:
    existing = responses.get(status) or responses.get(str(status))
    if existing is None:
        responses[status] = {"description": text, "content": content}
        return
    responses.pop(str(status), None)
    responses[status] = existing
    generic = HTTPStatus(status).phrase
    if existing.get("description") in (None, "", generic):
        existing["description"] = text
    elif text not in existing["description"]:
        existing["description"] = f"{existing['description']}; or: {text[0].lower()}{text[1:]}"


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query string has no spelling for null: an optional parameter is one left out."""
    options = schema.get("anyOf")
    if not options:
        return schema
    kept = [option for option in options if option != {"type": "null"}]
    if len(kept) == len(options):
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    if len(kept) == 1:
        return {**rest, **kept[0]}
    return {**rest, "anyOf": kept}
