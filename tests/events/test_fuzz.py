"""Whatever a signed sender posts, the answer is a clear outcome, never a server error."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrs.metrics.delivery.ingest import generic, github, gitlab, pagerduty
from okrs.metrics.delivery.ingest.normalise import Identity, Normalised, PayloadInvalid
from tests.events.conftest import github_payload

LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
JSON = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def mutations(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The real payload with some of its values (at any depth) replaced by anything."""
    paths: list[tuple[str, ...]] = []

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                paths.append((*path, key))
                walk(value, (*path, key))

    walk(base, ())

    def mutate(choices: list[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
        payload = json.loads(json.dumps(base))
        for path, value in choices:
            node = payload
            for key in path[:-1]:
                node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, dict):
                node[path[-1]] = value
        return payload

    return st.lists(st.tuples(st.sampled_from(paths), JSON), max_size=4).map(mutate)


def reads_cleanly(module: Any, event_type: str, payload: dict[str, Any]) -> None:
    try:
        result = module.normalise(Identity(event_type, "d-1"), payload)
    except PayloadInvalid as exc:
        assert str(exc)
    else:
        assert isinstance(result, Normalised)


SLOW = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(st.data())
def test_github_payloads_with_anything_anywhere(data):
    name = data.draw(
        st.sampled_from(
            [
                "deployment_status.created.0",
                "deployment_status.created.1",
                "push.event.4",
                "pull_request.closed.3",
                "workflow_run.completed.1",
            ]
        )
    )
    base = github_payload(name)
    # Get past the early "ignored" answers, so the mutations reach the deep reading.
    if name.startswith("pull_request"):
        base["pull_request"].update(merged=True, merged_at="2019-05-15T15:25:00Z")
    if name.startswith("workflow_run"):
        base["workflow"]["name"] = "deploy"
        base["repository"]["default_branch"] = base["workflow_run"]["head_branch"]
    reads_cleanly(github, name.split(".")[0], data.draw(mutations(base)))


@SLOW
@given(st.sampled_from(["Push Hook", "Merge Request Hook", "Deployment Hook"]), JSON)
def test_gitlab_any_json(event_type, payload):
    reads_cleanly(gitlab, event_type, payload if isinstance(payload, dict) else {"x": payload})


@SLOW
@given(st.sampled_from(["incident.triggered", "incident.resolved"]), JSON, JSON)
def test_pagerduty_any_incident(event_type, data, custom):
    payload = {"event": {"id": "e", "event_type": event_type, "data": data}}
    if isinstance(data, dict):
        data["custom_fields"] = custom
    reads_cleanly(pagerduty, event_type, payload)


@SLOW
@given(st.sampled_from(["deployment", "change", "incident"]), st.dictionaries(st.sampled_from(
    ["service", "environment", "status", "finished_at", "started_at", "commit", "ref",
     "remediation", "message", "labels", "production", "first_commit_at", "merged_at",
     "pull_request", "opened_at", "resolved_at", "title", "deployment_id", "incident_id"]
), JSON))  # fmt: skip
def test_generic_any_fields(event_type, payload):
    reads_cleanly(generic, event_type, dict(payload, id="e", type=event_type))


NASTY = [None, 0, -1, 10**30, 1.5, True, "", "x", [], [1], {}, {"a": 1}]
REAL = [
    "deployment_status.created.0",
    "deployment_status.created.1",
    "push.event.4",
    "pull_request.closed.3",
    "workflow_run.completed.1",
]


def every_path(node: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*path, key))
            found.extend(every_path(value, (*path, key)))
    return found


def replaced(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(payload))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


def test_every_field_of_the_real_payloads_replaced_by_anything():
    """Each field of each real payload, one at a time, replaced by each odd JSON value."""
    checked = 0
    for name in REAL:
        base = github_payload(name)
        if name.startswith("pull_request"):
            base["pull_request"].update(merged=True, merged_at="2019-05-15T15:25:00Z")
        if name.startswith("workflow_run"):
            base["workflow"]["name"] = "deploy"
            base["repository"]["default_branch"] = base["workflow_run"]["head_branch"]
        for path in every_path(base):
            for value in NASTY:
                reads_cleanly(github, name.split(".")[0], replaced(base, path, value))
                checked += 1
    assert checked > 5000
