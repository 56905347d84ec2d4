""" "Sync now" on the key-result page, through the real view, for every outcome a sync can
have: each answers with a redirect and a message, never a server error."""

from __future__ import annotations

import datetime as dt

import pytest

from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from okrs.metrics.sources import sync
from tests.conftest import NOW
from tests.fakes.http_json import Answer, FakeJsonEndpoint
from tests.sources.conftest import bind

PAGE = "/key-results/deploys-advantage/lead-time/"


@pytest.fixture
def endpoint(world):
    with FakeJsonEndpoint({"v": 42}) as fake:
        bind(world.lead_time, kind="http_json", url=fake.url + "/metrics.json", jsonpath="$.v")
        yield fake


def sync_now(client, world) -> str:
    client.force_login(world.member)
    response = client.post(PAGE + "sync/")
    assert response.status_code == 302 and response["Location"] == PAGE
    return client.get(PAGE).content.decode()


def test_recorded_then_unchanged(world, client, endpoint, clock) -> None:
    assert "Synced: 42 recorded." in sync_now(client, world)
    clock.move_to(NOW + dt.timedelta(minutes=5))
    assert "Synced: still 42." in sync_now(client, world)
    assert list(CheckIn.objects.values_list("value", flat=True)) == [42]


def test_fetched_outside_a_running_cycle(world, client, endpoint, clock) -> None:
    world.cycle.start, world.cycle.end = dt.date(2025, 1, 1), dt.date(2025, 3, 31)
    world.cycle.save()
    html = sync_now(client, world)
    assert "Read 42; the cycle is not running: the value was not recorded." in html
    assert not CheckIn.objects.exists()


def test_a_temporary_failure(world, client, endpoint, clock) -> None:
    endpoint.fail_with = Answer(503, {"error": "maintenance"})
    html = sync_now(client, world)
    assert "Sync failed: The JSON endpoint failed (HTTP 503" in html
    assert "maintenance" not in html


def test_a_permanent_failure(world, client, endpoint, clock) -> None:
    endpoint.path = "/moved.json"
    html = sync_now(client, world)
    assert "Sync stopped: The JSON endpoint has nothing at" in html and "(HTTP 404)" in html


def test_busy_while_another_sync_holds_the_claim(world, client, endpoint, clock) -> None:
    assert sync.claim(KeyResult.objects.get(pk=world.lead_time.pk), now=NOW)
    html = sync_now(client, world)
    assert "A sync of this key result is already running." in html
    assert endpoint.requests == []


def test_no_source(world, client, clock) -> None:
    html = sync_now(client, world)
    assert "This key result has no source to sync from." in html
