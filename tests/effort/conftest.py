"""Effort tests: the plan of plan.yaml applied, and signed webhook posting (tests/events)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from okrs.ascode.apply import apply_plan
from okrs.ascode.parse import load_plan
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from okrs.metrics.delivery.models import Service, ServiceAlias
from okrs.org.audit import Actor
from okrs.org.models import ApiToken, Person, Team
from tests.effort.payloads import merged_pull_request
from tests.events.conftest import hello_world, post, post_github, secrets  # noqa: F401

PLAN = Path(__file__).parent / "plan.yaml"


@pytest.fixture
def plan(db: None, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        apply_plan(load_plan(PLAN.read_text(), filename="plan.yaml"), actor=Actor(None, "apply"))


@pytest.fixture
def services(plan: None) -> dict[str, Service]:
    """Two repositories: acme/platform (the platform team's) and acme/checkout (growth's)."""
    found = {}
    for key, team in (("platform", "platform"), ("checkout", "growth")):
        service = Service.objects.create(key=key, name=key, team=Team.objects.get(key=team))
        ServiceAlias.objects.create(provider="github", external=f"acme/{key}", service=service)
        found[key] = service
    return found


# The pull requests of test_round_trip.py's docstring, and a check-in that moves lead time.
AFTER_THE_CYCLE = dt.datetime(2027, 1, 10, 12, tzinfo=dt.UTC)

PULL_REQUESTS = [
    dict(number=1, author="ana", labels=("canary",), merged_at="2026-10-12T09:00:00Z"),
    dict(number=2, author="ana", branch="canary/weights", merged_at="2026-10-14T09:00:00Z"),
    dict(number=3, author="ana", title="Bump the linter", merged_at="2026-10-18T22:30:00Z"),
    dict(number=4, author="ben", title="PLAT-12: quarantine", merged_at="2026-10-13T09:00:00Z"),
    dict(
        number=5,
        author="ana",
        repository="acme/checkout",
        body="Initiative: checkout-conversion/one-click",
        merged_at="2026-10-20T09:00:00Z",
    ),
    dict(
        number=6,
        author="cleo",
        repository="acme/checkout",
        branch="one-click/button",
        merged_at="2026-10-21T09:00:00Z",
    ),
    dict(number=7, author="cleo", repository="acme/checkout", merged_at="2026-10-22T09:00:00Z"),
]


@pytest.fixture
def delivered(post_github: Any, services: dict[str, Service]) -> None:  # noqa: F811
    for fields in PULL_REQUESTS:
        number = fields.pop("number")
        response = post_github("pull_request", merged_pull_request(number, **fields))  # type: ignore[arg-type]
        fields["number"] = number
        assert response.status_code == 200, response.json()
    # Redelivered, the first one changes nothing.
    post_github("pull_request", merged_pull_request(1, author="ana", labels=("canary",)))
    lead_time = KeyResult.objects.get(key="lead-time")
    CheckIn.objects.create(
        key_result=lead_time, value=51, source="api", at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    )


@pytest.fixture
def api(delivered) -> Client:
    person = Person.objects.get(email="sam@acme.test")
    _, token = ApiToken.issue(person, "test")
    return Client(headers={"Authorization": f"Bearer {token}"})
