"""Which failure a remediation belongs to (docs/dora.md), from signed events to the API's figures.

Every event goes through the real webhook route, signed; the figures are GET /api/v1/dora's.
Service `shop`, production deployments on Monday November 16th 2026 (London is on UTC then).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from okrs.metrics.delivery.models import Service, ServiceAlias
from tests.conftest import World
from tests.events.conftest import encode, generic_headers, github_headers, github_payload
from tests.events.test_gitlab import merge_request_hook

DAY = "2026-11-16"
Sender = Callable[..., None]


@pytest.fixture
def shop(db: None) -> Service:
    service = Service.objects.create(key="shop", name="Shop")
    ServiceAlias.objects.create(
        provider="github", external="codertocat/hello-world", service=service
    )
    ServiceAlias.objects.create(provider="gitlab", external="acme/checkout", service=service)
    return service


_events = itertools.count(1)


@pytest.fixture
def send(post: Any, secrets: dict[str, str], shop: Service) -> Sender:
    def send(payload: dict[str, Any]) -> None:
        body = encode({"id": f"event-{next(_events)}", "service": "shop", **payload})
        response = post("generic", body, generic_headers(body, secrets["generic"]))
        assert response.status_code == 200, response.json()

    return send


def deployment(name: str, at: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "deployment",
        "deployment_id": name,
        "environment": "production",
        "status": "success",
        "finished_at": f"{DAY}T{at}:00Z",
        "commit": fields.pop("commit", f"{name.lower():a<40}"[:40]),
        **fields,
    }


def incident(name: str, opened: str, resolved: str | None = None, **fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "incident",
        "incident_id": name,
        "title": "Checkout errors",
        "opened_at": f"{DAY}T{opened}:00Z",
        **fields,
    }
    if resolved is not None:
        event.update(status="resolved", resolved_at=f"{DAY}T{resolved}:00Z")
    return event


def figures(world: World, start: str = DAY, end: str = "2026-11-17") -> dict[str, Any]:
    response = world.client_for(world.viewer).get(
        f"/api/v1/dora?service=shop&from={start}&to={end}"
    )
    assert response.status_code == 200
    body = response.json()
    return {
        "failed": body["change_failure_rate"]["failed_deployments"],
        "deployments": body["change_failure_rate"]["deployments"],
        "recovery_hours": body["recovery_time"]["median_hours"],
        "failures": body["recovery_time"]["failures"],
    }


SMALLEST = [
    deployment("A", "10:00"),
    incident("INC-1", "10:30", deployment_id="A"),
    deployment("B", "11:00"),
    deployment("H", "11:30", remediation="hotfix"),
    incident("INC-1", "10:30", "11:31", deployment_id="A"),
]


@pytest.mark.parametrize("order", [range(5), reversed(range(5)), (2, 3, 4, 0, 1)])
def test_the_smallest_case_blames_only_the_deployment_the_incident_names(
    world: World, send: Sender, order: Any
) -> None:
    # A incident opened at 10:30 naming A is still open when the hotfix H finishes at 11:30:
    # H is its remediation (rule 2), so B, which shipped in between, is not blamed.
    for n in order:
        send(SMALLEST[n])

    assert figures(world) == {
        "failed": 1,
        "deployments": 3,
        "recovery_hours": 1.017,  # 10:30 to 11:31
        "failures": 1,
    }


def test_a_remediation_naming_a_deployment_fails_that_one(world: World, send: Sender) -> None:
    send(deployment("A", "10:00"))
    send(deployment("B", "11:00"))
    send(deployment("H", "12:00", remediates="A"))  # `remediates` alone makes it a hotfix

    assert figures(world) == {"failed": 1, "deployments": 3, "recovery_hours": 2.0, "failures": 1}


def test_a_remediation_naming_a_deployment_may_arrive_before_it(world: World, send: Sender) -> None:
    send(deployment("H", "12:00", remediation="rollback", remediates="A"))
    send(deployment("B", "11:00"))
    send(deployment("A", "10:00"))

    assert figures(world)["failed"] == 1
    assert figures(world)["recovery_hours"] == 2.0


def test_a_remediation_naming_an_incident_adds_no_failure(world: World, send: Sender) -> None:
    # The incident was resolved 80 minutes before H finished: without the name, H would mark B.
    send(deployment("A", "10:00"))
    send(incident("INC-7", "10:30", "10:40", deployment_id="A"))
    send(deployment("B", "11:00"))
    send(deployment("H", "12:00", remediation="hotfix", remediates="INC-7"))

    assert figures(world) == {
        "failed": 1,
        "deployments": 3,
        "recovery_hours": round(10 / 60, 3),
        "failures": 1,
    }


def test_a_remediation_naming_a_commit_fails_its_deployment(world: World, send: Sender) -> None:
    send(deployment("A", "10:00", commit="1" * 40))
    send(deployment("B", "11:00", commit="2" * 40))
    send(deployment("H", "12:00", commit="3" * 40, remediation="revert", remediates="1" * 40))

    assert figures(world) == {"failed": 1, "deployments": 3, "recovery_hours": 2.0, "failures": 1}


def test_a_rollback_to_an_earlier_deployment_fails_the_one_after_it(
    world: World, send: Sender
) -> None:
    send(deployment("A", "10:00", commit="1" * 40))
    send(deployment("B", "11:00", commit="2" * 40))
    send(deployment("C", "12:00", commit="3" * 40))
    # Back to A's commit: B is the first deployment undone, and the one that failed.
    send(deployment("R", "13:00", commit="1" * 40, remediation="rollback"))

    assert figures(world) == {"failed": 1, "deployments": 4, "recovery_hours": 2.0, "failures": 1}


def test_without_a_name_or_an_open_incident_the_previous_deployment_failed(
    world: World, send: Sender
) -> None:
    send(deployment("A", "10:00"))
    send(deployment("B", "11:00"))
    send(deployment("H", "12:00", remediation="hotfix"))

    assert figures(world) == {"failed": 1, "deployments": 3, "recovery_hours": 1.0, "failures": 1}


@pytest.mark.parametrize(
    ("resolved", "failed", "recovery_hours"),
    [
        ("11:00", 1, 0.5),  # resolved exactly an hour before H: still H's incident (rule 2)
        ("10:59", 2, 0.867),  # a minute earlier: H marks B (rule 3); A 29 min, B 75 min
    ],
)
def test_an_incident_resolved_at_most_an_hour_before_still_takes_the_remediation(
    world: World, send: Sender, resolved: str, failed: int, recovery_hours: float
) -> None:
    send(deployment("A", "10:00"))
    send(incident("INC-2", "10:30", resolved, deployment_id="A"))
    send(deployment("B", "10:45"))
    send(deployment("H", "12:00", remediation="hotfix"))

    result = figures(world)
    assert (result["failed"], result["deployments"]) == (failed, 3)
    assert result["recovery_hours"] == pytest.approx(recovery_hours, abs=0.001)


@pytest.mark.parametrize(
    ("gap", "failed"), [("2026-11-16T10:00:00Z", 1), ("2026-11-16T10:01:00Z", 0)]
)
def test_a_remediation_reaches_back_seven_days_at_most(
    world: World, send: Sender, gap: str, failed: int
) -> None:
    send({**deployment("A", "10:00"), "finished_at": "2026-11-09T10:00:00Z"})
    send({**deployment("H", "10:00", remediation="hotfix"), "finished_at": gap})

    assert figures(world, "2026-11-09", "2026-11-17")["failed"] == failed


def _github_pull(number: int, merge_commit: str, merged_at: str, **changes: Any) -> dict[str, Any]:
    payload = github_payload("pull_request.closed.4")
    payload["pull_request"].update(
        number=number,
        merged=True,
        merged_at=f"{DAY}T{merged_at}:00Z",
        created_at=f"{DAY}T08:00:00Z",
        merge_commit_sha=merge_commit,
        **changes,
    )
    payload["number"] = number
    return payload


@pytest.fixture
def post_github_event(post: Any, secrets: dict[str, str], shop: Service) -> Sender:
    def post_github_event(event: str, payload: dict[str, Any]) -> None:
        body = encode(payload)
        response = post("github", body, github_headers(event, body, secrets["github"]))
        assert response.status_code == 200, response.json()

    return post_github_event


def test_a_github_revert_pull_request_fails_the_deployment_of_the_reverted_one(
    world: World, send: Sender, post_github_event: Sender
) -> None:
    post_github_event("pull_request", _github_pull(2, "1" * 40, "09:30"))
    send(deployment("A", "10:00", commit="1" * 40))  # ships pull request #2
    send(deployment("B", "11:00", commit="2" * 40))
    revert = _github_pull(
        3,
        "3" * 40,
        "11:30",
        title='Revert "Update the README with new information."',
        body="Reverts Codertocat/Hello-World#2",
    )
    send(deployment("H", "12:00", commit="3" * 40))  # before GitHub tells us it is a revert
    post_github_event("pull_request", revert)

    assert figures(world) == {"failed": 1, "deployments": 3, "recovery_hours": 2.0, "failures": 1}


def test_a_github_revert_commit_fails_the_deployment_of_the_reverted_commit(
    world: World, send: Sender, post_github_event: Sender
) -> None:
    push = github_payload("push.event.4")
    message = 'Revert "Add the new button"\n\nThis reverts commit ' + "1" * 40 + "."
    push["after"] = "3" * 40
    push["head_commit"]["message"] = push["commits"][0]["message"] = message
    send(deployment("A", "10:00", commit="1" * 40))
    send(deployment("B", "11:00", commit="2" * 40))
    post_github_event("push", push)
    send(deployment("H", "12:00", commit="3" * 40))

    assert figures(world) == {"failed": 1, "deployments": 3, "recovery_hours": 2.0, "failures": 1}


def test_a_gitlab_revert_merge_request_fails_the_deployment_of_the_reverted_one(
    world: World, send: Sender, post: Any, secrets: dict[str, str]
) -> None:
    from tests.events.conftest import gitlab_headers

    def post_gitlab(payload: dict[str, Any]) -> None:
        response = post(
            "gitlab", encode(payload), gitlab_headers("Merge Request Hook", secrets["gitlab"])
        )
        assert response.status_code == 200, response.json()

    original = merge_request_hook(iid=12, merge_commit_sha="1" * 40, created_at=f"{DAY}T08:00:00Z")
    original["object_attributes"]["merged_at"] = f"{DAY}T09:30:00Z"
    revert = merge_request_hook(
        id=100,
        iid=13,
        merge_commit_sha="3" * 40,
        title='Revert "MS-Viewport"',
        description="This reverts merge request !12",
        created_at=f"{DAY}T11:10:00Z",
    )
    revert["object_attributes"]["merged_at"] = f"{DAY}T11:30:00Z"
    post_gitlab(original)
    send(deployment("A", "10:00", commit="1" * 40))
    send(deployment("B", "11:00", commit="2" * 40))
    post_gitlab(revert)
    send(deployment("H", "12:00", commit="3" * 40))

    assert figures(world) == {"failed": 1, "deployments": 3, "recovery_hours": 2.0, "failures": 1}


def test_a_deployment_counts_once_however_many_remediations_name_it(
    world: World, send: Sender
) -> None:
    send(deployment("A", "10:00"))
    send(deployment("H1", "11:00", remediates="A"))
    send(deployment("H2", "12:00", remediates="A"))

    # A failed once, recovered by the first; H1 failed through nothing (H2 names A).
    assert figures(world) == {"failed": 1, "deployments": 3, "recovery_hours": 1.0, "failures": 1}


def test_a_named_deployment_with_an_incident_keeps_its_incident_as_its_failure(
    world: World, send: Sender
) -> None:
    send(deployment("A", "10:00"))
    send(incident("INC-3", "10:10", "10:25", deployment_id="A"))
    send(deployment("B", "11:00"))
    send(deployment("H", "12:00", remediates="A"))

    # A failed once, through its incident (15 minutes); the hotfix adds no second failure.
    assert figures(world) == {
        "failed": 1,
        "deployments": 3,
        "recovery_hours": 0.25,
        "failures": 1,
    }


def test_a_gitlab_revert_commit_fails_the_deployment_of_the_reverted_commit(
    world: World, send: Sender, post: Any, secrets: dict[str, str]
) -> None:
    from tests.events.conftest import gitlab_headers
    from tests.events.test_gitlab import project

    message = 'Revert "Add the new button"\n\nThis reverts commit ' + "1" * 40 + "\n"
    push = {
        "object_kind": "push",
        "ref": "refs/heads/main",
        "before": "2" * 40,
        "after": "3" * 40,
        "checkout_sha": "3" * 40,
        "project": project(),
        "commits": [
            {"id": "3" * 40, "message": message, "timestamp": f"{DAY}T11:20:00+00:00"},
        ],
    }
    send(deployment("H", "12:00", commit="3" * 40))
    response = post("gitlab", encode(push), gitlab_headers("Push Hook", secrets["gitlab"]))
    assert response.status_code == 200, response.json()
    send(deployment("A", "10:00", commit="1" * 40))
    send(deployment("B", "11:00", commit="2" * 40))

    assert figures(world) == {"failed": 1, "deployments": 3, "recovery_hours": 2.0, "failures": 1}
