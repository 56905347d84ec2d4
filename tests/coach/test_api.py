"""POST /api/v1/okrs:lint: the coach over a plan document sent as the body."""

from __future__ import annotations

import json

from django.test import Client

from okrs.coach.lint import MAX_DOCUMENT_BYTES
from tests.coach.plans import GOOD, WEAK

URL = "/api/v1/okrs:lint"
# WEAK with a person as the owner: weak OKRs, but a plan that `okrs apply` accepts.
WEAK_APPLIES = WEAK.replace("owner: platform", "owner: maya@acme.test")
FIELDS = ["rule", "severity", "ref", "line", "message", "suggestion"]


def post(client: Client, body: str | bytes, content_type: str = "application/yaml"):
    return client.post(URL, data=body, content_type=content_type)


def test_it_needs_a_token_or_a_session(db) -> None:
    response = post(Client(), WEAK)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_yaml_gets_the_findings(world) -> None:
    response = post(world.client_for(world.viewer), WEAK_APPLIES)
    assert response.status_code == 200
    findings = response.json()["findings"]
    assert all(list(finding) == FIELDS for finding in findings)
    deliverable = next(f for f in findings if f["rule"] == "OKR009")
    assert deliverable["ref"] == "kubernetes/migrate"
    # Lines point into the body as sent.
    assert "Complete the Kubernetes migration" in WEAK_APPLIES.splitlines()[deliverable["line"] - 1]
    assert "the Kubernetes migration" in deliverable["suggestion"]


def test_text_yaml_and_a_clean_plan(world) -> None:
    response = post(world.client_for(world.member), GOOD, "text/yaml")
    assert (response.status_code, response.json()) == (200, {"findings": []})


def test_a_json_object_or_a_json_string_holding_yaml(world) -> None:
    import yaml

    client = world.client_for(world.member)
    as_object = json.dumps(yaml.safe_load(WEAK_APPLIES), default=str, indent=1)
    by_object = post(client, as_object, "application/json")
    by_string = post(client, json.dumps(WEAK_APPLIES), "application/json")
    assert by_object.status_code == by_string.status_code == 200
    rules = {f["rule"] for f in by_object.json()["findings"]}
    assert rules == {f["rule"] for f in by_string.json()["findings"]}
    assert "OKR009" in rules


def test_bad_yaml_is_a_400_with_the_errors_by_line(world) -> None:
    response = post(world.client_for(world.member), "objectives: [\n  - {key: x\n")
    assert response.status_code == 400
    data = response.json()
    assert data["detail"] == "the body cannot be read as a plan"
    assert data["errors"][0]["line"] >= 2
    assert "invalid YAML" in data["errors"][0]["message"]


def test_bad_json_is_a_400(world) -> None:
    response = post(world.client_for(world.member), '{"objectives": ', "application/json")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


def test_a_document_that_is_not_a_plan_is_a_422_with_the_errors(world) -> None:
    text = WEAK_APPLIES.replace("    kind: milestone", "    kind: milestone\n    colour: blue")
    response = post(world.client_for(world.member), text)
    assert response.status_code == 422
    data = response.json()
    assert data["detail"] == "okrs apply would refuse the document"
    [error] = data["errors"]
    assert error["rule"] == "OKR000"
    assert "unknown field 'colour'" in error["message"]
    assert "colour: blue" in text.splitlines()[error["line"] - 1]
    # The rest of the plan was still coached, and the error is among the findings too.
    rules = {f["rule"]: f["severity"] for f in data["findings"]}
    assert rules["OKR000"] == "error"
    assert "OKR009" in rules


def test_other_content_types_and_empty_bodies_are_refused(world) -> None:
    client = world.client_for(world.member)
    assert post(client, WEAK, "text/plain").status_code == 415
    assert post(client, "  \n", "application/yaml").status_code == 400
    assert post(client, b"\xff\xfe", "application/yaml").status_code == 400
    assert post(client, "[1, 2]", "application/json").status_code == 422


def test_the_body_size_is_limited(world) -> None:
    body = WEAK + "#" * (MAX_DOCUMENT_BYTES + 1)
    response = post(world.client_for(world.member), body)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_it_is_in_the_openapi_document(world) -> None:
    schema = world.client_for(world.member).get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/okrs:lint"]["post"]
    assert "application/yaml" in operation["requestBody"]["content"]
