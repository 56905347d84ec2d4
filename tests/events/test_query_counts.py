"""Ingestion costs a small fixed number of queries per event, however much history there is.

Counted statements exclude the transaction's own (SAVEPOINT/RELEASE or BEGIN/COMMIT).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from okrs.metrics.delivery.ingest.services import ingest
from okrs.metrics.delivery.models import Change, Deployment, Incident, Service
from tests.events.conftest import encode, generic_headers, gitlab_headers
from tests.events.test_gitlab import deployment_hook

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture
def send(secrets):
    Service.objects.create(key="checkout", name="Checkout")

    def send(payload: dict[str, Any]) -> int:
        body = encode(payload)
        headers = generic_headers(body, secrets["generic"])
        with CaptureQueriesContext(connection) as queries:
            ingest(provider="generic", headers=headers, body=body)
        return sum(
            1
            for query in queries.captured_queries
            if not query["sql"].startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN"))
        )

    # A first delivery (of a type okrs ignores) reads the secret into this process's copy, as
    # the first delivery after a web process starts does.
    send({"id": "warm-up", "type": "build", "service": "checkout"})
    return send


def history(send, n: int) -> None:
    for i in range(n):
        at = T0 + dt.timedelta(hours=i)
        send(
            {
                "id": f"hc{i}",
                "type": "change",
                "service": "checkout",
                "commit": f"h{i}",
                "first_commit_at": at.isoformat(),
            }
        )
        send(
            {
                "id": f"hd{i}",
                "type": "deployment",
                "service": "checkout",
                "status": "success",
                "environment": "production",
                "finished_at": at.isoformat(),
                "commit": f"h{i}",
            }
        )
        send(
            {
                "id": f"hi{i}",
                "type": "incident",
                "service": "checkout",
                "opened_at": (at + dt.timedelta(minutes=30)).isoformat(),
            }
        )


def costs(send, tag: str) -> tuple[int, int, int, int]:
    at = T0 + dt.timedelta(days=30)
    change = send(
        {
            "id": f"c-{tag}",
            "type": "change",
            "service": "checkout",
            "commit": f"new-{tag}",
            "first_commit_at": at.isoformat(),
        }
    )
    deploy = send(
        {
            "id": f"d-{tag}",
            "type": "deployment",
            "service": "checkout",
            "status": "success",
            "environment": "production",
            "finished_at": (at + dt.timedelta(hours=1)).isoformat(),
        }
    )
    incident = send(
        {
            "id": f"i-{tag}",
            "type": "incident",
            "service": "checkout",
            "opened_at": (at + dt.timedelta(hours=2)).isoformat(),
        }
    )
    duplicate = send(
        {
            "id": f"i-{tag}",
            "type": "incident",
            "service": "checkout",
            "opened_at": (at + dt.timedelta(hours=2)).isoformat(),
        }
    )
    return change, deploy, incident, duplicate


def test_each_new_event_is_a_handful_of_statements(send):
    change, deploy, incident, duplicate = costs(send, "a")

    if connection.vendor == "postgresql":
        # Each delivery is one statement: the raw event, its service, the new row and its
        # links, the secret's check and whether it was received before (one_statement.py).
        assert (change, deploy, incident, duplicate) == (1, 1, 1, 1)
    else:
        # The raw event with its service resolved and the secret checked in the same
        # statement; then the change with the deployment that shipped it (1), or the
        # deployment's context, itself, its changes and its incidents (4), or the incident
        # with its suspect (1). A redelivery stops at the raw event, and one question tells
        # a redelivery from a secret changed meanwhile.
        assert (change, deploy, incident, duplicate) == (2, 5, 2, 2)
    assert Change.objects.get(commit_sha="new-a").deployment == Deployment.objects.get(
        external_id="d-a"
    )
    assert Incident.objects.get(external_id="i-a").attribution == "time_window"


def test_the_cost_does_not_grow_with_history(send):
    before = costs(send, "a")
    history(send, 40)

    assert costs(send, "b") == before


def test_a_gitlab_deployment_asks_about_monorepo_paths_only_when_its_environment_has_folders(
    secrets,
):
    """A plain environment (`production`) costs what a generic deployment does; a folder
    (`production/eu`) may name a monorepo's service, which is one more question."""
    checkout = Service.objects.create(key="checkout", name="Checkout")
    checkout.aliases.create(provider="gitlab", external="acme/checkout")

    def send(delivery: str, **changes: Any) -> int:
        body = encode(deployment_hook(**changes))
        headers = gitlab_headers("Deployment Hook", secrets["gitlab"], delivery)
        with CaptureQueriesContext(connection) as queries:
            result = ingest(provider="gitlab", headers=headers, body=body)
        assert result.outcome == "normalised", result.detail
        return sum(
            1
            for query in queries.captured_queries
            if not query["sql"].startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN"))
        )

    send("warm-up", deployment_id=1)
    plain = send("plain", deployment_id=2)
    folder = send("folder", deployment_id=3, environment="production/eu")

    # As a generic deployment (test_each_new_event_is_a_handful_of_statements): one statement
    # on PostgreSQL; the raw event, then the deployment's context, itself, its changes and its
    # incidents on SQLite.
    assert plain == (1 if connection.vendor == "postgresql" else 5)
    assert folder == plain + 1
    assert Deployment.objects.get(external_id="3").service == checkout
