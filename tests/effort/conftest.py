"""Effort tests: the plan of plan.yaml applied, and signed webhook posting (tests/events)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from okrs.ascode.apply import apply_plan
from okrs.ascode.parse import load_plan
from okrs.metrics.delivery.models import Service, ServiceAlias
from okrs.org.audit import Actor
from okrs.org.models import Team
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
