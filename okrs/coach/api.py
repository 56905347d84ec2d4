"""POST /api/v1/okrs:lint: every check of `okrs apply`, then the coach, over a plan document.

The body is the plan document itself, as YAML (application/yaml, text/yaml) or JSON
(application/json: the plan as an object, or a string holding the YAML). JSON objects are
linted as text, since JSON is YAML, so the line numbers of the findings point into the body
as sent.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Router

from okrs.coach.lint import MAX_DOCUMENT_BYTES, lint_text
from okrs.web.api import AUTH

router = Router(tags=["coach"], auth=AUTH)

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
JSON_TYPES = ("application/json",)

_BODY_DOC = {
    "required": True,
    "content": {
        "application/yaml": {"schema": {"type": "string"}},
        "application/json": {"schema": {"oneOf": [{"type": "object"}, {"type": "string"}]}},
    },
}


def _detail(status: int, detail: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status)


def _document_text(request: HttpRequest) -> str | JsonResponse:
    """The plan document as text, or the 4xx answer that explains why there is none."""
    content_type = (request.content_type or "").lower()
    if content_type not in YAML_TYPES + JSON_TYPES:
        return _detail(415, "send the plan as application/yaml, text/yaml or application/json")
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    limit = f"{MAX_DOCUMENT_BYTES // 1024} kB"
    if declared > MAX_DOCUMENT_BYTES:
        return _detail(413, f"the document is larger than {limit}")
    # Read one byte past the limit ourselves: a sender lying about Content-Length cannot
    # make us read more.
    body = request.read(MAX_DOCUMENT_BYTES + 1)
    if len(body) > MAX_DOCUMENT_BYTES:
        return _detail(413, f"the document is larger than {limit}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _detail(400, "the body is not UTF-8 text")
    if not text.strip():
        return _detail(400, "the body is empty; send a plan document")
    if content_type in JSON_TYPES:
        try:
            # Only the document's type matters here: integers are left unconverted (one of
            # thousands of digits is the plan reader's to report, with its line).
            document = json.loads(text, parse_int=len)
        except RecursionError:
            return text  # nested deeper than any plan: the plan reader says where
        except ValueError as exc:
            return _detail(400, f"the body is not valid JSON: {exc}")
        if isinstance(document, str):
            return document
        if not isinstance(document, dict):
            return _detail(
                422, "the JSON body must be the plan (an object) or a string holding its YAML"
            )
    return text


@router.post(
    "/okrs:lint",
    summary="Run every check of okrs apply and the OKR coach over a plan document",
    description=(
        "The body is a plan (docs/okrs-as-code.md) as YAML or JSON. Every finding is "
        '{"rule", "severity", "ref", "line", "message", "suggestion"}. 200: `okrs apply` would '
        'accept the document; {"findings": [...]} holds the coach\'s advice. 422: `okrs '
        'apply` would refuse it; "errors" lists why ({"line", "message", "rule"}) and '
        '"findings" holds every finding, those errors included (severity error). 400: the '
        "body cannot be read as a plan (not YAML/JSON, nested too deep, too many values, "
        'numbers or dates that cannot be, text that is not Unicode), with "errors" by line. '
        "413: over 1 MB; 415: another content type."
    ),
    response={200: dict, 400: dict, 413: dict, 415: dict, 422: dict},
    openapi_extra={"requestBody": _BODY_DOC},
)
def lint(request: HttpRequest) -> JsonResponse:
    text = _document_text(request)
    if isinstance(text, JsonResponse):
        return text
    result = lint_text(text, filename="<body>")
    findings = [finding.as_json() for finding in result.findings]
    errors = [
        {"line": problem.line, "message": problem.message, "rule": problem.rule}
        for problem in result.problems
    ]
    if result.unreadable:
        return _detail(400, "the body cannot be read as a plan", errors=errors)
    if not result.applies:
        return _detail(
            422, "okrs apply would refuse the document", errors=errors, findings=findings
        )
    return JsonResponse({"findings": findings})
