"""Ingestion gives the same result whatever the order of deliveries and however many repeats.

Providers retry, redeliver and race; nothing guarantees order. Property: for any set of events,
any arrival order with any redeliveries leaves the same deployments, changes, incidents and links
as the events in their natural order, once each.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrs.metrics.delivery.ingest.normalise import (
    DeploymentFact,
    shipping_deployment,
    suspect_deployment,
)
from okrs.metrics.delivery.ingest.services import ingest
from okrs.metrics.delivery.models import Change, Deployment, Incident, RawEvent, Service
from tests.events.conftest import SECRETS, encode, generic_headers

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def at(hours: int) -> str:
    return (T0 + dt.timedelta(hours=hours)).isoformat()


@st.composite
def histories(draw: Any) -> list[dict[str, Any]]:
    """Deployments (each reported in progress, then final), changes and incidents (opened, and
    maybe resolved), at whole hours in two days so that ties happen."""
    hours = st.integers(min_value=0, max_value=48)
    events: list[dict[str, Any]] = []
    for n in range(draw(st.integers(min_value=1, max_value=4))):
        finished = draw(hours)
        base = {
            "type": "deployment",
            "service": "checkout",
            "deployment_id": f"d{n}",
            "environment": draw(st.sampled_from(["production", "production", "staging"])),
            "commit": f"sha{draw(st.integers(0, 3))}",
        }
        events.append(dict(base, id=f"d{n}-a", status="in_progress", finished_at=at(finished)))
        final = draw(st.sampled_from(["success", "success", "failure"]))
        events.append(dict(base, id=f"d{n}-b", status=final, finished_at=at(finished + 1)))
    for n in range(draw(st.integers(min_value=0, max_value=4))):
        merged = draw(hours)
        events.append(
            {
                "id": f"c{n}",
                "type": "change",
                "service": "checkout",
                "commit": f"sha{n}",
                "first_commit_at": at(merged - 3),
                "merged_at": at(merged),
                "message": draw(st.sampled_from(["feature", 'Revert "x"', "Hotfix: y"])),
            }
        )
    for n in range(draw(st.integers(min_value=0, max_value=3))):
        opened = draw(hours)
        base = {
            "type": "incident",
            "service": "checkout",
            "incident_id": f"i{n}",
            "opened_at": at(opened),
        }
        if draw(st.booleans()):
            base["deployment_id"] = f"d{draw(st.integers(0, 4))}"
        events.append(dict(base, id=f"i{n}-open"))
        if draw(st.booleans()):
            events.append(
                dict(base, id=f"i{n}-resolved", status="resolved", resolved_at=at(opened + 2))
            )
    return events


def state() -> dict[str, Any]:
    deployments = {
        d.external_id: (d.status, d.finished_at, d.is_production, d.remediation_kind, d.commit_sha)
        for d in Deployment.objects.all()
    }
    changes = {
        c.commit_sha: (
            c.first_commit_at,
            c.merged_at,
            c.remediation_kind,
            c.deployment.external_id if c.deployment else None,
        )
        for c in Change.objects.select_related("deployment")
    }
    incidents = {
        i.external_id: (
            i.opened_at,
            i.resolved_at,
            i.attribution,
            i.caused_by.external_id if i.caused_by else None,
        )
        for i in Incident.objects.select_related("caused_by")
    }
    return {
        "raw": RawEvent.objects.count(),
        "deployments": deployments,
        "changes": changes,
        "incidents": incidents,
    }


class _Undo(Exception):
    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result


def ingest_all(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Ingest in this order and return the state, leaving the database as it was."""
    try:
        with transaction.atomic():
            for event in events:
                body = encode(event)
                ingest(
                    provider="generic",
                    headers=generic_headers(body, SECRETS["generic"]),
                    body=body,
                )
            raise _Undo(state())
    except _Undo as undo:
        return undo.result


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), events=histories())
def test_any_order_and_redeliveries_give_the_same_result(secrets, data, events):
    if not Service.objects.filter(key="checkout").exists():
        Service.objects.create(key="checkout", name="Checkout")
    arrival = data.draw(st.permutations(events))
    repeats = data.draw(st.lists(st.sampled_from(events), max_size=4))
    shuffled = data.draw(st.permutations(arrival + repeats))

    expected = ingest_all(events)
    assert ingest_all(shuffled) == expected
    assert expected["raw"] == len(events)
    follows_the_rules(expected)


def follows_the_rules(result: dict[str, Any]) -> None:
    """The links the database made are the ones the pure rules of normalise.py give."""
    shipping = [
        DeploymentFact(key, finished)
        for key, (status, finished, production, _, _) in result["deployments"].items()
        if status == "success" and production
    ]
    for merged_at_, deployment in (
        (merged, shipped) for (_, merged, _, shipped) in result["changes"].values()
    ):
        rule = shipping_deployment(merged_at_, shipping)
        assert deployment == (rule.key if rule else None)
    for opened, _, attribution, cause in result["incidents"].values():
        if attribution != "explicit":
            rule = suspect_deployment(opened, shipping, dt.timedelta(hours=24))
            assert cause == (rule.key if rule else None)
            assert attribution == ("time_window" if rule else "none")
