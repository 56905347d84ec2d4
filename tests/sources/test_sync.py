"""The periodic sync: what it records, when it retries, when it stops, and that it runs once.

Each test drives a key result bound to a local JSON endpoint, so that the value, an outage or
a refused credential is a line in the test; time is moved with time-machine.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from okrs.metrics.sources import sync
from okrs.metrics.sources.sync import due_key_results, sync_due, sync_key_result
from okrs.metrics.sources.tasks import sync_due_key_results, sync_one_key_result
from okrs.org.models import AuditEntry
from tests.conftest import NOW
from tests.fakes.http_json import Answer, FakeJsonEndpoint
from tests.sources.conftest import bind, fresh, later, store_credential, synced


@pytest.fixture
def endpoint():
    with FakeJsonEndpoint({"value": 2.4}, token="tok") as fake:
        yield fake


def bind_json(kr: KeyResult, endpoint: FakeJsonEndpoint, **extra) -> KeyResult:
    source = {
        "kind": "http_json",
        "url": endpoint.url + "/metrics.json",
        "jsonpath": "$.value",
        "credential": "metrics",
        **extra,
    }
    return bind(kr, **source)


@pytest.fixture
def bound(world, endpoint) -> KeyResult:
    store_credential("metrics", "http_json", site=endpoint.url, token="tok")
    return bind_json(world.conversion, endpoint)


def sync_checkins(kr: KeyResult) -> list[float]:
    return list(
        CheckIn.objects.filter(key_result=kr, source="sync").values_list("value", flat=True)
    )


def test_a_bound_key_result_gets_a_sync_check_in_and_its_next_time(bound, clock) -> None:
    [outcome] = sync_due(now=NOW)
    assert outcome.status == "recorded" and outcome.value == 2.4
    checkin = CheckIn.objects.get(key_result=bound)
    assert (checkin.source, checkin.author, checkin.at) == ("sync", None, NOW)
    state = synced(bound)
    assert state.last_synced_at == NOW and state.next_sync_at == later(hours=1)
    assert state.last_error == "" and state.failures == 0
    # Audited as any check-in, by the system through the sync channel.
    entry = AuditEntry.objects.get(entity="checkin")
    assert entry.actor is None and entry.channel == "sync"


def test_nothing_is_due_again_before_the_schedule(bound, endpoint, clock) -> None:
    sync_due(now=NOW)
    clock.move_to(later(minutes=59))
    assert sync_due(now=later(minutes=59)) == []
    assert len(endpoint.requests) == 1
    clock.move_to(later(hours=1))
    assert [o.status for o in sync_due(now=later(hours=1))] == ["unchanged"]


def test_the_schedule_of_the_source_is_kept(world, endpoint, clock) -> None:
    store_credential("metrics", "http_json", site=endpoint.url, token="tok")
    kr = bind_json(world.conversion, endpoint, schedule="15m")
    sync_due(now=NOW)
    assert synced(kr).next_sync_at == later(minutes=15)


def test_a_one_minute_schedule_syncs_at_every_minute_tick(world, endpoint, clock) -> None:
    store_credential("metrics", "http_json", site=endpoint.url, token="tok")
    kr = bind_json(world.conversion, endpoint, schedule="1m")
    for minute in range(5):
        tick = later(minutes=minute)
        # The periodic task looks for due key results just after the tick, and the sync it
        # queues runs a little later (the queue, the fetch).
        clock.move_to(tick + dt.timedelta(seconds=0.2))
        due = [k.pk for k in due_key_results(now=tick + dt.timedelta(seconds=0.2))]
        clock.move_to(tick + dt.timedelta(seconds=0.9))
        endpoint.document = {"value": 2.0 + minute / 10}
        for pk in due:
            sync_one_key_result.call_local(pk)
    assert len(endpoint.requests) == 5
    assert len(sync_checkins(kr)) == 5
    assert synced(kr).next_sync_at == later(minutes=5)


def test_an_unchanged_value_is_recorded_once_a_day_not_every_hour(bound, endpoint, clock) -> None:
    for hour in range(24):
        clock.move_to(later(hours=hour))
        sync_due(now=later(hours=hour))
    assert sync_checkins(bound) == [2.4]
    assert synced(bound).last_synced_at == later(hours=23)  # it did look, every hour
    clock.move_to(later(hours=24))
    sync_due(now=later(hours=24))
    assert sync_checkins(bound) == [2.4, 2.4]  # the daily heartbeat: never stale
    endpoint.document = {"value": 2.6}
    clock.move_to(later(hours=25))
    sync_due(now=later(hours=25))
    assert sync_checkins(bound) == [2.4, 2.4, 2.6]


def test_a_temporary_failure_backs_off_and_keeps_the_error_visible(bound, endpoint, clock) -> None:
    endpoint.fail_with = Answer(503, {"error": "maintenance"})
    waits = []
    moment = NOW
    for _ in range(4):
        clock.move_to(moment)
        [outcome] = sync_due(now=moment)
        assert outcome.status == "failed"
        state = synced(bound)
        assert state.next_sync_at is not None
        waits.append((state.next_sync_at - moment).total_seconds() / 60)
        moment = state.next_sync_at
    assert waits == [1, 2, 4, 8]
    state = synced(bound)
    assert state.failures == 4 and not state.flagged
    host = endpoint.url.split("//", 1)[1]
    assert state.last_error == f"The JSON endpoint failed (HTTP 503 from {host}/metrics.json)"
    assert sync_checkins(bound) == []
    endpoint.fail_with = None
    clock.move_to(moment)
    [outcome] = sync_due(now=moment)
    state = synced(bound)
    assert outcome.status == "recorded"
    assert (state.failures, state.last_error) == (0, "")


def test_a_permanent_failure_flags_the_key_result_until_its_source_changes(
    world, bound, endpoint, clock
) -> None:
    bind_json(bound, endpoint, jsonpath="$.nothing")
    [outcome] = sync_due(now=NOW)
    assert outcome.status == "flagged"
    state = synced(bound)
    assert state.flagged and "matches nothing" in state.last_error
    kr = fresh(bound)
    assert sync.is_flagged(kr)
    clock.move_to(later(days=2))
    assert due_key_results(now=later(days=2)) == []  # flagged: not tried again
    assert len(endpoint.requests) == 1
    bind_json(kr, endpoint)  # the owner fixes the path
    assert [k.pk for k in due_key_results(now=later(days=2))] == [kr.pk]
    [outcome] = sync_due(now=later(days=2))
    assert outcome.status == "recorded"
    assert not synced(kr).flagged


def test_a_refused_credential_flags_and_a_new_one_resumes(world, endpoint, clock) -> None:
    from okrs.metrics.sources.sync import resume_after_credential_change

    credential = store_credential("metrics", "http_json", site=endpoint.url, token="revoked")
    kr = bind_json(world.conversion, endpoint)
    assert sync_due(now=NOW)[0].status == "flagged"
    assert "refused the credentials (HTTP 401)" in synced(kr).last_error
    credential.set_secrets({"token": "tok"})
    credential.save()
    assert resume_after_credential_change(credential_name="metrics") == 1
    assert sync_due(now=NOW)[0].status == "recorded"


def test_sync_now_tries_a_flagged_key_result_and_lifts_the_flag(bound, endpoint, clock) -> None:
    endpoint.fail_with = Answer(404, {"error": "moved"})
    sync_due(now=NOW)
    assert synced(bound).flagged
    endpoint.fail_with = None
    outcome = sync_key_result(key_result=fresh(bound), now=NOW)
    assert outcome.status == "recorded" and not synced(bound).flagged


def test_a_missing_credential_is_permanent(world, endpoint, clock) -> None:
    bind_json(world.conversion, endpoint)  # no credential "metrics" stored
    outcome = sync_due(now=NOW)[0]
    assert outcome.status == "flagged" and "unknown credential 'metrics'" in outcome.message


def test_outside_an_active_cycle_nothing_is_synced_or_recorded(bound, clock) -> None:
    bound.objective.cycle.frozen_at = NOW
    bound.objective.cycle.save()
    assert due_key_results(now=NOW) == []
    # Asked directly (sync now), the source is read but no check-in goes into a frozen cycle.
    outcome = sync_key_result(key_result=fresh(bound), now=NOW)
    assert outcome.status == "fetched" and outcome.value == 2.4
    assert sync_checkins(bound) == []


def test_a_second_claim_of_the_same_row_loses(bound, endpoint, clock) -> None:
    first, second = fresh(bound), fresh(bound)  # two workers read the same row
    assert sync.claim(first, now=NOW)
    assert sync_key_result(key_result=second, now=NOW).status == "busy"
    assert endpoint.requests == []


def test_an_abandoned_claim_expires(bound, clock) -> None:
    assert sync.claim(fresh(bound), now=NOW)  # a worker that died mid-fetch
    clock.move_to(later(minutes=11))
    assert sync_key_result(key_result=fresh(bound), now=later(minutes=11)).status == "recorded"


def test_the_periodic_task_queues_and_the_queued_task_syncs_once(bound, endpoint, clock) -> None:
    sync_due_key_results.call_local()
    sync_one_key_result.call_local(bound.pk)
    sync_one_key_result.call_local(bound.pk)  # queued twice: the second finds it not due
    assert sync_checkins(bound) == [2.4]
    assert len(endpoint.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_sync_once(world, endpoint) -> None:
    """Two threads (two database connections) read the same due row and claim it at once."""
    if connection.vendor != "postgresql":
        pytest.skip("the race is run on PostgreSQL (make test-postgres)")
    store_credential("metrics", "http_json", site=endpoint.url, token="tok")
    world.cycle.start, world.cycle.end = dt.date(2000, 1, 1), dt.date(2999, 12, 31)
    world.cycle.save()
    kr = bind_json(world.conversion, endpoint)
    start = threading.Barrier(2)
    outcomes: list[str] = []
    now = dt.datetime.now(dt.UTC)

    def worker() -> None:
        row = fresh(kr)
        start.wait()
        try:
            outcomes.append(sync_key_result(key_result=row, now=now).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["busy", "recorded"]
    assert len(endpoint.requests) == 1
    assert sync_checkins(kr) == [2.4]


def test_a_provider_echoing_the_secret_does_not_put_it_on_the_page(world, endpoint, clock) -> None:
    store_credential("metrics", "http_json", site=endpoint.url, token="tok-long-secret")
    kr = bind_json(world.conversion, endpoint)
    endpoint.fail_with = Answer(403, {"error": "token tok-long-secret is not allowed here"})
    [outcome] = sync_due(now=NOW)
    error = synced(kr).last_error
    assert outcome.status == "flagged"
    assert "refused the credentials (HTTP 403)" in error
    # The provider's answer is not quoted at all, let alone the secret in it.
    assert "tok-long-secret" not in error and "not allowed here" not in error


def test_the_summary_for_the_api_forgets_the_state_of_a_replaced_source(
    bound, endpoint, clock
) -> None:
    from okrs.metrics.sources.sync import sync_summary

    endpoint.fail_with = Answer(404, {"error": "moved"})
    sync_due(now=NOW)
    summary = sync_summary(fresh(bound))
    assert summary["sync_stopped"] and "HTTP 404" in summary["last_sync_error"]
    kr = bind_json(fresh(bound), endpoint, jsonpath="$.other")
    assert sync_summary(kr) == {
        "last_synced_at": None,
        # A new source is due now: at the next minute tick.
        "next_sync_at": later(minutes=1),
        "syncs_on_events": False,
        "last_sync_error": "",
        "sync_stopped": False,
    }
