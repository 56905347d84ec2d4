"""The OpenAPI document tells the truth: each answer a route gives is documented, with its shape.

scripts/fuzz_api.py holds the whole API to the document with schemathesis in CI; these pin the
answers people meet most: refusals of each kind, and the types of the parameters.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, get_args, get_type_hints

import pytest
from django.test import Client
from jsonschema import Draft202012Validator
from pydantic import BaseModel, TypeAdapter

from okrs.api.routes import api

CHECK_IN = "/api/v1/key-results/deploys-advantage%2Flead-time/check-ins"


@pytest.fixture
def document(client: Client, db: None) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def assert_documented(document: dict[str, Any], method: str, path: str, response: Any) -> None:
    """The answer's status is listed for the operation, and its body matches that schema."""
    answers = document["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in answers, f"{method.upper()} {path} answered an undocumented {status}"
    content = answers[status]["content"]
    assert response["Content-Type"].split(";")[0] in content
    schema = {**content["application/json"]["schema"], "components": document["components"]}
    Draft202012Validator(schema).validate(response.json())


def test_every_operation_documents_the_answers_every_route_can_give(document) -> None:
    for method, path, operation in operations(document):
        answers = operation["responses"]
        assert "400" in answers, f"{method} {path}: unreadable input"
        assert answers["503"]["headers"]["Retry-After"], f"{method} {path}: database away"
        if operation.get("security"):
            assert "401" in answers, f"{method} {path}: no credentials"
            assert answers["401"]["headers"]["WWW-Authenticate"]
        if method == "post" and operation.get("security"):
            assert "403" in answers, f"{method} {path}: a failed CSRF check"


def test_instants_are_typed_as_dates_or_date_times(document) -> None:
    instants = {
        (path, parameter["name"]): parameter["schema"]
        for _, path, operation in operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["name"] in ("as_of", "from", "to")
    }
    assert {path for path, _ in instants} >= {
        "/api/v1/objectives",
        "/api/v1/objectives/{key}",
        "/api/v1/key-results/{ref}",
        "/api/v1/dashboard",
        "/api/v1/dashboard/trends",
        "/api/v1/alignment",
        "/api/v1/dora",
    }
    for where, schema in instants.items():
        formats = {option.get("format") for option in schema["anyOf"]}
        assert formats == {"date", "date-time"}, where


def test_no_query_parameter_is_documented_as_null(document) -> None:
    # A query string cannot say null: documenting it makes clients send the text "null".
    for _, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            assert "null" not in json.dumps(parameter["schema"]), (path, parameter["name"])


def test_the_check_in_body_declares_its_bounds(document) -> None:
    fields = document["components"]["schemas"]["CheckInIn"]["properties"]
    value = next(option for option in fields["value"]["anyOf"] if option["type"] == "number")
    assert (value["minimum"], value["maximum"]) == (-1e15, 1e15)
    assert fields["note"]["maxLength"] == 5000
    confidence = next(o for o in fields["confidence"]["anyOf"] if o.get("type") == "string")
    assert confidence["enum"] == ["on_track", "at_risk", "off_track"]
    level = next(
        parameter["schema"]
        for parameter in document["paths"]["/api/v1/objectives"]["get"]["parameters"]
        if parameter["name"] == "level"
    )
    assert level["enum"] == ["company", "team", "individual"]


def test_the_views_keep_their_operation_ids(document) -> None:
    # Generated clients name their methods after these: renaming one breaks them.
    ids = {
        path: methods["get"]["operationId"]
        for path, methods in document["paths"].items()
        if path in ("/api/v1/dashboard", "/api/v1/dashboard/trends", "/api/v1/alignment")
    }
    assert ids == {
        "/api/v1/dashboard": "okrs_api_routes_dashboard",
        "/api/v1/dashboard/trends": "okrs_api_routes_dashboard_trends",
        "/api/v1/alignment": "okrs_api_routes_alignment",
    }


@pytest.mark.parametrize(
    ("path", "url", "status"),
    [
        ("/api/v1/objectives", "/api/v1/objectives?as_of=yesterday", 400),
        ("/api/v1/objectives", "/api/v1/objectives?cycle=a%00b", 400),
        ("/api/v1/objectives", "/api/v1/objectives?team=nope", 404),
        ("/api/v1/objectives", "/api/v1/objectives?cycle=1999-Q1", 404),
        ("/api/v1/objectives/{key}", "/api/v1/objectives/nope", 404),
        ("/api/v1/key-results/{ref}", "/api/v1/key-results/nope", 400),
        ("/api/v1/dashboard", "/api/v1/dashboard?team=nope", 404),
        ("/api/v1/dashboard/trends", "/api/v1/dashboard/trends?as_of=soon", 400),
        ("/api/v1/dashboard/trends", "/api/v1/dashboard/trends?team=nope", 404),
        ("/api/v1/dashboard/trends", "/api/v1/dashboard/trends?cycle=2026-Q4", 200),
        ("/api/v1/alignment", "/api/v1/alignment?as_of=0001-01-01", 400),
        ("/api/v1/dora", "/api/v1/dora?from=2026-02-30", 400),
        ("/api/v1/dora", "/api/v1/dora?service=nope", 404),
        ("/api/v1/cycles", "/api/v1/cycles", 200),
        ("/api/v1/objectives/{key}", "/api/v1/objectives/deploys-advantage", 200),
    ],
)
def test_refusals_match_the_document(world, document, path, url, status) -> None:
    response = world.client_for(world.viewer).get(url)
    assert response.status_code == status
    assert_documented(document, "get", path, response)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"value": 50, "note": "x" * 5001}, 422),  # the validation list
        ({"value": 1e16}, 422),
        ({"value": 50, "confidence": "great"}, 422),
        ([], 422),  # a sentence
        ({"value": 50, "note": "a\u0000b"}, 400),
        ({"value": 50, "confidence": "on_track"}, 201),
    ],
)
def test_check_in_answers_match_the_document(world, document, body, status) -> None:
    response = world.client_for(world.member).post(
        CHECK_IN, json.dumps(body), content_type="application/json"
    )
    assert response.status_code == status
    assert_documented(document, "post", "/api/v1/key-results/{ref}/check-ins", response)


def test_auth_refusals_match_the_document(world, document) -> None:
    stranger = Client(enforce_csrf_checks=True)
    response = stranger.post(CHECK_IN, "{}", content_type="application/json")
    assert response.status_code == 401
    assert_documented(document, "post", "/api/v1/key-results/{ref}/check-ins", response)
    viewer = world.client_for(world.viewer)
    response = viewer.post(CHECK_IN, '{"value": 5}', content_type="application/json")
    assert response.status_code == 403
    assert_documented(document, "post", "/api/v1/key-results/{ref}/check-ins", response)


def answer_models() -> dict[str, set[type]]:
    """Every shape some route answers with (models and dataclasses, nested ones included), by
    the name the document gives its schema."""
    found: dict[str, set[type]] = {}
    seen: set[Any] = set()

    def visit(annotation: Any) -> None:
        if annotation in seen:
            return
        seen.add(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.setdefault(annotation.__name__, set()).add(annotation)
            for field in annotation.model_fields.values():
                visit(field.annotation)
        elif isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
            found.setdefault(annotation.__name__, set()).add(annotation)
            for hint in get_type_hints(annotation).values():
                visit(hint)
        for argument in get_args(annotation):
            visit(argument)

    for _, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for wrapper in operation.response_models.values():
                    visit(wrapper.model_fields["response"].annotation)
    return found


def test_no_two_answer_shapes_share_a_name() -> None:
    # The document keys its schemas by class name: a second class of the same name silently
    # replaces the first, and every answer of the first then breaks its own document.
    models = answer_models()
    assert {"EffortOut", "DoraDetailOut", "ObjectiveDetail", "KeyResultScore"} <= models.keys()
    clashes = {
        name: sorted(f"{shape.__module__}.{shape.__qualname__}" for shape in shapes)
        for name, shapes in models.items()
        if len({json.dumps(TypeAdapter(shape).json_schema(), sort_keys=True) for shape in shapes})
        > 1
    }
    assert clashes == {}
