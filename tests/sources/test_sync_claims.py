"""A sync's claim: a killed worker's key result is taken over within two minutes, and a long
fetch, whose worker renews its claim while it waits, is never run twice.

Time is moved with time-machine; the source is a local JSON endpoint that can hold its answer
(a slow source) until the test lets it go. The periodic task runs at each minute's tick.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import time_machine
from django.db import connection

from okrs import claims
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from okrs.metrics.sources import http, sync
from okrs.metrics.sources.sync import due_key_results, sync_due, sync_key_result
from tests.conftest import NOW
from tests.fakes.http_json import FakeJsonEndpoint
from tests.services import HANG_SECONDS
from tests.sources.conftest import bind, fresh, store_credential, synced


def at(minutes: float = 0, seconds: float = 0) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes, seconds=seconds)


@pytest.fixture
def endpoint() -> Iterator[FakeJsonEndpoint]:
    with FakeJsonEndpoint({"value": 2.4}, token="tok") as fake:
        yield fake


def bind_json(kr: KeyResult, endpoint: FakeJsonEndpoint, **extra: object) -> KeyResult:
    store_credential("metrics", "http_json", site=endpoint.url, token="tok")
    return bind(
        kr,
        kind="http_json",
        url=endpoint.url + "/metrics.json",
        jsonpath="$.value",
        credential="metrics",
        **extra,
    )


def sync_checkins(kr: KeyResult) -> list[float]:
    return list(
        CheckIn.objects.filter(key_result=kr, source="sync").values_list("value", flat=True)
    )


def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait for something another thread does, however busy the machine (the limit only
    catches a hang)."""
    deadline = time.monotonic() + HANG_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.01)


def test_a_killed_workers_claim_is_taken_over_at_the_first_tick_after_its_lease(
    world, endpoint, clock
) -> None:
    kr = bind_json(world.conversion, endpoint)
    assert sync.claim(fresh(kr), now=NOW)  # a worker claims the row, then is killed mid-fetch
    clock.move_to(at(seconds=30))
    # Half a minute later ("Sync now", a second worker): the claim may still be live.
    assert sync_key_result(key_result=fresh(kr), now=at(seconds=30)).status == "busy"
    assert due_key_results(now=at(seconds=30)) == []
    clock.move_to(at(minutes=1))
    # The next minute's tick: the claim was never renewed, its worker is gone.
    assert [o.status for o in sync_due(now=at(minutes=1))] == ["recorded"]
    assert len(endpoint.requests) == 1 and sync_checkins(kr) == [2.4]
    assert synced(kr).running_since is None


def test_a_worker_killed_after_renewing_is_taken_over_within_two_minutes(
    world, endpoint, clock
) -> None:
    kr = bind_json(world.conversion, endpoint)
    assert sync.claim(fresh(kr), now=NOW)
    # Its fetch ran for three minutes, renewed all along; then the worker was killed.
    assert sync.renew(fresh(kr), NOW, at(minutes=3))
    for tick in (1, 2, 3):
        clock.move_to(at(minutes=tick))
        assert sync_due(now=at(minutes=tick)) == []
    clock.move_to(at(minutes=4))
    assert [o.status for o in sync_due(now=at(minutes=4))] == ["recorded"]
    assert len(endpoint.requests) == 1


@pytest.fixture
def renewing_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Renewals every few milliseconds of real time, so the test need not wait 15 s for one;
    and an HTTP timeout that a held answer on a busy machine cannot reach."""
    monkeypatch.setattr(claims, "RENEW_EVERY", dt.timedelta(milliseconds=20))
    monkeypatch.setattr(http, "TIMEOUT_SECONDS", 300.0)


class SyncInThread:
    """A worker's sync in a thread of its own (its own database connection)."""

    def __init__(self, kr: KeyResult, now: dt.datetime) -> None:
        self.outcomes: list[str] = []
        self.thread = threading.Thread(target=self._run, args=(kr, now))

    def _run(self, kr: KeyResult, now: dt.datetime) -> None:
        try:
            self.outcomes.append(sync_key_result(key_result=fresh(kr), now=now).status)
        finally:
            connection.close()

    def start(self) -> None:
        self.thread.start()

    def join(self) -> list[str]:
        self.thread.join(timeout=120)
        return self.outcomes


@pytest.mark.django_db(transaction=True)
def test_a_long_fetch_keeps_its_claim_and_is_not_run_twice(
    world, endpoint, renewing_quickly
) -> None:
    kr = bind_json(world.conversion, endpoint)
    endpoint.hold = threading.Event()  # the source takes its time to answer
    with time_machine.travel(NOW, tick=False) as clock:
        first = SyncInThread(kr, NOW)
        first.start()
        eventually(lambda: len(endpoint.requests) == 1, "the first fetch began")
        for tick in range(1, 6):
            clock.move_to(at(minutes=tick))
            # Its worker renews the claim while the fetch runs...
            lease_end = at(minutes=tick) + claims.LEASE

            def renewed(end: dt.datetime = lease_end) -> bool:
                return synced(kr).next_sync_at == end

            eventually(renewed, f"renewed at {tick} min")
            # ...so each minute's tick leaves the key result alone.
            assert sync_due(now=at(minutes=tick)) == []
        assert len(endpoint.requests) == 1
        endpoint.hold.set()
        assert first.join() == ["recorded"]
    assert sync_checkins(kr) == [2.4]
    assert len(endpoint.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_a_fetch_hanging_past_the_longest_hold_is_taken_over_and_its_late_result_refused(
    world, endpoint, renewing_quickly
) -> None:
    kr = bind_json(world.conversion, endpoint)
    hung = threading.Event()
    endpoint.hold = hung
    with time_machine.travel(NOW, tick=False) as clock:
        first = SyncInThread(kr, NOW)
        first.start()
        eventually(lambda: len(endpoint.requests) == 1, "the first fetch began")
        # The fetch hangs for longer than a claim is ever kept: renewals stop.
        hang_over = claims.LONGEST_HOLD + dt.timedelta(minutes=1)
        clock.move_to(NOW + hang_over)
        endpoint.hold = None  # the source answers the next fetch at once
        later = NOW + hang_over + dt.timedelta(minutes=1)
        clock.move_to(later)
        assert [o.status for o in sync_due(now=later)] == ["recorded"]
        hung.set()  # the hung fetch answers at last
        assert first.join() == ["lost"]
    # One check-in, from the sync that took over.
    assert list(CheckIn.objects.filter(key_result=kr).values_list("at", flat=True)) == [later]
    assert synced(kr).last_synced_at == later and synced(kr).running_since is None


@pytest.mark.django_db(transaction=True)
def test_a_changed_credential_voids_a_running_sync(world, endpoint, renewing_quickly) -> None:
    from okrs.metrics.sources.sync import resume_after_credential_change

    kr = bind_json(world.conversion, endpoint)
    held = threading.Event()
    endpoint.hold = held
    with time_machine.travel(NOW, tick=False) as clock:
        first = SyncInThread(kr, NOW)
        first.start()
        eventually(lambda: len(endpoint.requests) == 1, "the first fetch began")
        # An admin replaces the credential while the fetch, with the old one, is under way.
        assert resume_after_credential_change(credential_name="metrics") == 1
        endpoint.hold = None
        clock.move_to(at(minutes=1))
        assert [o.status for o in sync_due(now=at(minutes=1))] == ["recorded"]
        held.set()
        assert first.join() == ["lost"]
    assert list(CheckIn.objects.filter(key_result=kr).values_list("at", flat=True)) == [at(1)]
