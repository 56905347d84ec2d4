"""A key result fed by delivery events is synced within a minute of an event, not at its hour.

Each test sends signed generic webhooks through the HTTP endpoint, then runs the minute tick
of the periodic task and the syncs it queued on the real queue (huey's SQLite storage under
`make test`, Redis under `make test-postgres`), with the clock moved by time-machine: nothing
waits for the wall clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from huey.contrib.djhuey import HUEY

from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from okrs.metrics.delivery.models import Service, ServiceAlias, WebhookSecret
from okrs.metrics.sources.models import SyncState
from okrs.metrics.sources.sync import sync_due, sync_summary
from okrs.metrics.sources.tasks import sync_due_key_results, sync_one_key_result
from tests.conftest import NOW, World
from tests.dora.conftest import Delivery
from tests.events.conftest import encode, generic_headers

SECRET = "generic-test-secret"
# Deployments per day over the week before the tick: checkout deployed on the 10th and at
# midnight on the 16th (tests/dora/conftest.py); engineering adds platform-api's on the 12th.
CHECKOUT_WEEK = {"kind": "dora", "metric": "deployment_frequency", "service": "checkout"}
ENGINEERING_WEEK = {"kind": "dora", "metric": "deployment_frequency", "team": "engineering"}


def at(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def fed(world: World, delivery: Delivery, clock: Any) -> dict[str, KeyResult]:
    """Two key results fed by checkout's events (its own, and its parent team's), synced
    once at NOW: by their hourly schedule the next sync would be at 13:00."""
    WebhookSecret.objects.create(provider="generic", secret=SECRET)
    bound = {}
    for name, kr, source in (
        ("checkout", world.lead_time, CHECKOUT_WEEK),
        ("engineering", world.change_failure_rate, ENGINEERING_WEEK),
    ):
        kr.source = {**source, "window": "7d"}
        kr.save()
        bound[name] = kr
    outcomes = sync_due(now=NOW)
    assert [o.status for o in outcomes] == ["recorded", "recorded"], outcomes
    HUEY.flush()
    return bound


def deploy(client: Client, event_id: str, service: str = "checkout", when: float = 0) -> None:
    body = encode(
        {
            "id": event_id,
            "type": "deployment",
            "service": service,
            "environment": "production",
            "status": "success",
            "finished_at": at(when).isoformat(),
        }
    )
    response = client.post(
        "/api/v1/events/generic",
        data=body,
        content_type="application/json",
        headers=generic_headers(body, SECRET),
    )
    assert response.status_code == 200, response.json()


def tick(clock: Any, when: dt.datetime) -> int:
    """The periodic task's minute tick at `when`, then every sync it queued, taken off the
    queue and run as a worker runs it; how many syncs it queued.

    The task's own function is called (call_local) rather than huey's wrapper, which closes
    the database connection around a task: that would end the test's transaction."""
    clock.move_to(when)
    sync_due_key_results.call_local()
    queued = 0
    while (task := HUEY.dequeue()) is not None:
        assert task.name == "sync_one_key_result"
        queued += 1
        sync_one_key_result.call_local(*task.args, **task.kwargs)
    return queued


def values(kr: KeyResult) -> list[float]:
    return list(
        CheckIn.objects.filter(key_result=kr, source="sync")
        .order_by("at", "id")
        .values_list("value", flat=True)
    )


def test_a_webhook_moves_the_key_results_fed_by_it_at_the_next_minute_tick(client, fed, clock):
    assert values(fed["checkout"]) == [round(2 / 7, 3)]
    assert values(fed["engineering"]) == [round(3 / 7, 3)]

    clock.move_to(at(12))
    deploy(client, "deploy-1", when=5)

    assert tick(clock, at(60)) == 2
    assert values(fed["checkout"]) == [round(2 / 7, 3), round(3 / 7, 3)]
    assert values(fed["engineering"]) == [round(3 / 7, 3), round(4 / 7, 3)]
    # Nothing new since: the next tick has nothing to do, and the hour keeps its schedule.
    assert tick(clock, at(120)) == 0
    assert SyncState.objects.get(pk=fed["checkout"].pk).next_sync_at == at(3600 + 60)


def test_a_burst_of_twenty_events_gives_one_sync_a_minute_per_key_result(client, fed, clock):
    for i in range(20):
        clock.move_to(at(1 + 2 * i))
        deploy(client, f"burst-{i}", when=2 * i)

    assert tick(clock, at(60)) == 2  # one sync for each of the two key results, not 40
    assert len(values(fed["checkout"])) == 2
    assert values(fed["checkout"])[-1] == round(22 / 7, 3)

    # More events in the minute after that sync: a second look in the same minute (another
    # worker's tick, say) queues nothing; the next minute's tick syncs each once again.
    for i in range(20, 40):
        clock.move_to(at(61 + i - 20))
        deploy(client, f"burst-{i}", when=60 + i)
    assert tick(clock, at(90)) == 0
    assert tick(clock, at(120)) == 2
    assert [len(values(kr)) for kr in fed.values()] == [3, 3]
    assert values(fed["checkout"])[-1] == round(42 / 7, 3)


def test_an_event_for_another_service_syncs_nothing(client, fed, clock):
    attempts = dict(SyncState.objects.values_list("pk", "last_attempt_at"))
    clock.move_to(at(5))
    deploy(client, "search-1", service="search", when=1)  # search has no team

    assert tick(clock, at(60)) == 0
    assert dict(SyncState.objects.values_list("pk", "last_attempt_at")) == attempts
    assert [len(values(kr)) for kr in fed.values()] == [1, 1]


def test_the_organisation_wide_key_result_follows_every_service(world, client, fed, clock):
    everything = world.conversion
    everything.source = {"kind": "dora", "metric": "deployment_frequency", "window": "7d"}
    everything.save()
    sync_due(now=NOW)
    HUEY.flush()
    clock.move_to(at(5))
    deploy(client, "search-1", service="search", when=1)

    assert tick(clock, at(60)) == 1
    assert len(values(everything)) == 2


def test_a_redelivered_event_changes_nothing_and_syncs_nothing(client, fed, clock):
    clock.move_to(at(5))
    deploy(client, "deploy-1", when=1)
    assert tick(clock, at(60)) == 2
    clock.move_to(at(65))
    body = encode(
        {
            "id": "deploy-1",
            "type": "deployment",
            "service": "checkout",
            "environment": "production",
            "status": "success",
            "finished_at": at(1).isoformat(),
        }
    )
    again = client.post(
        "/api/v1/events/generic",
        data=body,
        content_type="application/json",
        headers=generic_headers(body, SECRET),
    )
    assert again.json()["outcome"] == "duplicate"
    assert tick(clock, at(120)) == 0


def test_a_monorepo_push_syncs_the_key_results_of_every_service_it_touched(
    world, client, fed, clock
):
    platform_only = world.conversion
    platform_only.source = {**CHECKOUT_WEEK, "service": "platform-api", "window": "7d"}
    platform_only.save()
    sync_due(now=NOW)
    HUEY.flush()
    for service, path in (("checkout", "mono:services/checkout/"), ("platform-api", "mono:api/")):
        ServiceAlias.objects.create(
            provider="generic", external=path, service=Service.objects.get(key=service)
        )
    clock.move_to(at(5))
    body = encode(
        {
            "id": "push-1",
            "type": "change",
            "service": "mono",
            "commit": "c0ffee",
            "first_commit_at": at(-3600).isoformat(),
            "files": ["services/checkout/cart.py", "api/routes.py"],
        }
    )
    response = client.post(
        "/api/v1/events/generic",
        data=body,
        content_type="application/json",
        headers=generic_headers(body, SECRET),
    )
    assert response.json()["detail"].endswith("for checkout, platform-api")

    # checkout's own, engineering's (both services) and platform-api's.
    assert tick(clock, at(60)) == 3


def test_the_api_and_the_page_say_when_it_last_synced_and_when_it_syncs_next(
    client, world, fed, clock
):
    kr = KeyResult.objects.select_related("objective").get(pk=fed["checkout"].pk)
    summary = sync_summary(kr, now=at(30))
    assert summary["last_synced_at"] == NOW
    assert summary["next_sync_at"] == at(3600)
    assert summary["syncs_on_events"] is True

    client.force_login(world.admin)
    clock.move_to(at(30))
    text = client.get(f"/key-results/{kr.objective.key}/{kr.key}/").content.decode()
    assert "16 Nov 2026 12:00 UTC" in text  # last synced
    assert "16 Nov 2026 13:00 UTC, or within a minute of a delivery event" in text
    api = client.get(f"/api/v1/key-results/{kr.objective.key}%2F{kr.key}").json()
    assert api["last_synced_at"].startswith("2026-11-16T12:00:00")
    assert api["next_sync_at"].startswith("2026-11-16T13:00:00")
    assert api["syncs_on_events"] is True
