"""Key results fed by delivery events are synced within a minute of an event, not at their hour.

A `dora` key result reads the deployments, changes and incidents of a service, of a team's
services, or of the whole organisation. When a delivery event for one of those services was
stored after the key result's latest sync began (`SyncState.last_attempt_at`), that sync may
not have read it: the key result is due at the next minute tick of the periodic task
(okrs/metrics/sources/tasks.py), whatever its schedule says. Its value is then at most a minute
(and a sync) behind the events.

Debounced: a key result whose latest sync began in the current minute waits for the next tick,
so a burst of events gives one sync a minute per key result, never one per event.

Nothing is written when an event arrives, so ingestion costs what it did; each tick asks one
question of the raw events received since the oldest such sync began (indexed by time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Max

from okrs.goals.models import KeyResult
from okrs.metrics.delivery.ingest.monorepo import SEPARATOR
from okrs.metrics.delivery.models import Change, Outcome, RawEvent, ServiceAlias
from okrs.metrics.delivery.selectors import DoraQueryInvalid, ScopeNotFound, resolve_scope
from okrs.metrics.sources.models import SyncState
from okrs.metrics.sources.public import is_fed_by_events
from okrs.metrics.sources.schedule import next_sync_time

# At most one sync a minute per key result, however many events arrive.
DEBOUNCE = dt.timedelta(minutes=1)
# An event is stamped when it is received, and committed a moment later: one received shortly
# before a sync began may not have been visible to it yet, so it makes the key result due once
# more (one sync too many, rather than a value an hour stale).
IN_FLIGHT = dt.timedelta(seconds=10)


def _waiting_state(key_result: KeyResult, now: dt.datetime) -> SyncState | None:
    """The sync state of an event-fed key result that an event could make due now, or None:
    never synced, a changed source (both due anyway), stopped, running, or tried this minute."""
    if not is_fed_by_events(key_result.source):
        return None
    try:
        state = key_result.sync_state
    except SyncState.DoesNotExist:
        return None
    if not state.belongs_to(key_result.source) or state.flagged or state.last_attempt_at is None:
        return None
    running = state.running_since is not None and (
        state.next_sync_at is not None and state.next_sync_at > now
    )
    if running or now < next_sync_time(state.last_attempt_at, DEBOUNCE):
        return None
    return state


def refreshed_by_events(key_results: Iterable[KeyResult], *, now: dt.datetime) -> set[int]:
    """The ids of those key results that a delivery event made due: an event for one of their
    services arrived since their latest sync began, and that sync began before this minute."""
    waiting = [
        (key_result, state)
        for key_result in key_results
        if (state := _waiting_state(key_result, now)) is not None
    ]
    if not waiting:
        return set()
    latest = latest_event_per_service(
        since=min(_attempted(state) for _, state in waiting) - IN_FLIGHT
    )
    if not latest:
        return set()
    scopes: dict[tuple[str, str], set[int] | None] = {}
    found = set()
    for key_result, state in waiting:
        services = _services_of(key_result.source, scopes)
        if services is None:
            continue  # an unknown service or team: the sync itself says so
        unseen_from = _attempted(state) - IN_FLIGHT
        if any(service in latest and latest[service] >= unseen_from for service in services):
            found.add(key_result.pk)
    return found


def _attempted(state: SyncState) -> dt.datetime:
    assert state.last_attempt_at is not None  # _waiting_state keeps only those that have one
    return state.last_attempt_at


def latest_event_per_service(*, since: dt.datetime) -> dict[int, dt.datetime]:
    """When each service last had a delivery event stored, for events received since `since`
    that became a deployment, change or incident."""
    recent = RawEvent.objects.filter(received_at__gte=since, outcome=Outcome.NORMALISED)
    latest: dict[int, dt.datetime] = {
        row["service_id"]: row["latest"]
        for row in recent.filter(service__isnull=False)
        .values("service_id")
        .annotate(latest=Max("received_at"))
        .order_by()
    }
    # A push to a monorepo is one raw event that names its first service; every service it
    # touched has a change from it.
    if ServiceAlias.objects.filter(external__contains=SEPARATOR).exists():
        rows = Change.objects.filter(raw_event__in=recent).values_list(
            "service_id", "raw_event__received_at"
        )
        for service_id, received_at in rows:
            latest[service_id] = max(received_at, latest.get(service_id, received_at))
    return latest


def _services_of(source: Any, scopes: dict[tuple[str, str], set[int] | None]) -> set[int] | None:
    """The ids of the services a dora source reads: its service, its team's (sub-teams
    included), or every service; None when its service or team does not exist."""
    named = (str(source.get("service") or ""), str(source.get("team") or ""))
    if named not in scopes:
        try:
            scope = resolve_scope(service=named[0] or None, team=named[1] or None)
        except (ScopeNotFound, DoraQueryInvalid):
            scopes[named] = None
        else:
            scopes[named] = set(scope.services)
    return scopes[named]
