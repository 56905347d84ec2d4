"""Syncing key results from their sources: claim, fetch, record a check-in, keep the state.

Each bound key result has its sync state, a SyncState row (okrs/metrics/sources/models.py).
A sync first claims the row with a conditional UPDATE on `next_sync_at` (and no live claim), or
by inserting it when the key result has never been synced, so two workers, or a worker and a
"sync now" click, never fetch the same key result at once; the row is the truth,
the task queue only the trigger. While a sync runs, `running_since` says since when (it
names the claim) and `next_sync_at` is the end of its lease, renewed while the fetch runs
(okrs/claims.py): a killed worker's key result is due again, and taken over, within two
minutes. Only the claim's holder writes the outcome.

What a sync records: a check-in with source `sync` when the value differs from the key
result's current value, or when the latest check-in is a day old or more. Recording every
hourly sync would write 2,000 identical rows a quarter per key result, each one an audit line
and a point in the forecast's pairwise slopes (quadratic in the number of check-ins); skipping
unchanged values forever would let an honest, flat metric turn "stale" after ten days. The
daily heartbeat keeps the dashboard's timestamp fresh, and `last_synced_at` says to the minute
when the source last answered.

Failures: a temporary one (timeout, 5xx, rate limit, no data yet) is retried with exponential
backoff (1m, 2m, 4m, ... up to the schedule) and its message stays on the key result; a
permanent one (refused credentials, a query that cannot work) flags the key result: it is not
synced again until its source or its credential changes, and shows on the key-result page,
in the API and on the admin list at /settings/sources/.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import traceback
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from okrs import claims
from okrs.crypto import DecryptionFailed
from okrs.goals.checkins.services import LARGEST_VALUE, CheckInInvalid, record_checkin
from okrs.goals.models import Cycle, KeyResult
from okrs.metrics.sources.freshness import refreshed_by_events
from okrs.metrics.sources.models import Credential, SyncState, fingerprint
from okrs.metrics.sources.public import is_fed_by_events
from okrs.metrics.sources.registry import (
    REGISTRY,
    SourceBackend,
    SourceConfig,
    SourceConfigInvalid,
    SourceError,
    parse_source,
    resolve_secrets,
    same_site,
)
from okrs.metrics.sources.schedule import SHORTEST, next_sync_time, retry_delay
from okrs.org.audit import Actor
from okrs.org.models import Organisation

log = logging.getLogger(__name__)

# An unchanged value is recorded again once the latest check-in is this old.
HEARTBEAT = dt.timedelta(days=1)
DEFAULT_EVERY = dt.timedelta(hours=1)

SYNC_ACTOR = Actor(None, "sync", trusted=True)


@dataclass(frozen=True)
class SyncOutcome:
    """What one sync did. `status` is one of: recorded (a check-in was written), unchanged
    (the value was the current one), fetched (a value, but the cycle is not active, so nothing
    was recorded), failed (temporary: retried later), flagged (permanent), busy (another sync
    holds the claim), lost (the claim was taken over or voided before the fetch ended: nothing
    was written), unbound (no source)."""

    ref: str
    status: str
    value: float | None = None
    message: str = ""


def state_of(key_result: KeyResult) -> SyncState:
    """The key result's stored sync state, or a fresh one (not saved) before its first sync."""
    try:
        return key_result.sync_state
    except SyncState.DoesNotExist:
        return SyncState(key_result_id=key_result.pk)


def is_flagged(key_result: KeyResult) -> bool:
    """Stopped after a permanent failure, and its source has not changed since."""
    state = state_of(key_result)
    return state.flagged and state.belongs_to(key_result.source)


def sync_summary(key_result: KeyResult, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The sync state as readers see it (API): the stored state belongs to the source it was
    recorded for, so after a change of the source there is no error and no stop to report."""
    state = state_of(key_result)
    current = state.belongs_to(key_result.source)
    return {
        "last_synced_at": state.last_synced_at,
        "next_sync_at": next_sync(key_result, now=now or timezone.now()),
        "syncs_on_events": is_fed_by_events(key_result.source),
        "last_sync_error": state.last_error if current else "",
        "sync_stopped": current and state.flagged,
    }


def next_sync(key_result: KeyResult, *, now: dt.datetime) -> dt.datetime | None:
    """When the key result is synced next by its schedule: the minute tick at which it is due
    (the next one when it is due now, new, or being synced), or None when it will not be (no
    source, stopped after a permanent failure, its cycle not running). A key result fed by
    delivery events is synced sooner, within a minute, after an event for its services."""
    if not key_result.source or key_result.objective.cycle_id not in active_cycle_ids(now):
        return None
    state = state_of(key_result)
    current = state.belongs_to(key_result.source)
    if current and state.flagged:
        return None
    tick = next_sync_time(now, SHORTEST)
    if not current or lease_holds(state, now=now) or state.next_sync_at is None:
        return tick
    return tick if state.next_sync_at <= now else state.next_sync_at


def credential_kinds() -> dict[str, str]:
    return dict(Credential.objects.values_list("name", "kind"))


def backend_for_source(source: dict[str, Any]) -> tuple[SourceConfig, SourceBackend]:
    """The backend ready to fetch, secrets filled in; SourceError(permanent) if it cannot be."""
    try:
        config = parse_source(source, credentials=credential_kinds())
    except SourceConfigInvalid as exc:
        raise SourceError(f"the source is not valid: {exc}", permanent=True) from None
    values = None
    if config.credential:
        credential = Credential.objects.get(name=config.credential)
        check_credential_site(config, credential)
        try:
            values = credential.secrets()
        except DecryptionFailed as exc:
            raise SourceError(f"credential '{credential.name}': {exc}", permanent=True) from None
    resolved = resolve_secrets(config, credential_values=values)
    return config, config.backend(resolved)


def credential_site(credential: Credential) -> str:
    """The site a credential's secrets may be sent to: the one stored with it, or its
    backend's default (api.github.com, api.pagerduty.com, ...); "" when there is none."""
    if credential.site:
        return credential.site
    backend = REGISTRY.get(credential.kind)
    if backend is None or backend.url_param is None:
        return ""
    param = next((p for p in backend.params if p.name == backend.url_param), None)
    return str(param.default) if param is not None and param.default else ""


def check_credential_site(config: SourceConfig, credential: Credential) -> None:
    """A credential's secret goes only to its own site (SourceError, permanent, otherwise):
    whoever binds a source must not be able to send an admin's token to a host of theirs."""
    url_param = config.backend.url_param
    if url_param is None:
        return  # the secret is not sent over HTTP (a database URL carries its own host)
    site = credential_site(credential)
    if not site:
        raise SourceError(
            f"credential '{credential.name}' names no site to send its secrets to: an admin "
            "sets it on /settings/sources/",
            permanent=True,
        )
    url = str(config.values.get(url_param) or "")
    if not same_site(url, site):
        raise SourceError(
            f"credential '{credential.name}' is for {where_site(site)}, not "
            f"{where_site(url)}: its secrets are only sent to its own site",
            permanent=True,
        )


def where_site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else "(no site)"


# ---------------------------------------------------------------------------------------------
# Which key results are due


def active_cycle_ids(now: dt.datetime, organisation: Organisation | None = None) -> list[int]:
    """Cycles running at `now` and not frozen: only their key results get sync check-ins."""
    org = organisation or Organisation.current()
    found = []
    for cycle in Cycle.objects.filter(frozen_at__isnull=True):
        start, end = cycle.bounds(org.timezone)
        if start <= now < end:
            found.append(cycle.pk)
    return found


def due_key_results(*, now: dt.datetime) -> list[KeyResult]:
    """Bound key results of active cycles whose sync is due: their time has come, their
    source changed since the last attempt, or (key results fed by delivery events) an event
    for their services arrived since their latest sync began (freshness.py). Flagged ones
    wait for a change."""
    candidates = list(
        KeyResult.objects.filter(objective__cycle_id__in=active_cycle_ids(now))
        .exclude(source__isnull=True)
        .select_related("objective__cycle", "sync_state")
        .order_by("sync_state__next_sync_at", "id")
    )
    scheduled = {kr.pk for kr in candidates if is_due(kr, now=now)}
    refreshed = refreshed_by_events([kr for kr in candidates if kr.pk not in scheduled], now=now)
    return [kr for kr in candidates if kr.pk in scheduled or kr.pk in refreshed]


def is_due_or_refreshed(key_result: KeyResult, *, now: dt.datetime) -> bool:
    """Due by its schedule, or made due by a delivery event (freshness.py)."""
    return is_due(key_result, now=now) or key_result.pk in refreshed_by_events(
        [key_result], now=now
    )


def is_due(key_result: KeyResult, *, now: dt.datetime) -> bool:
    if not key_result.source:
        return False
    state = state_of(key_result)
    if lease_holds(state, now=now):
        return False  # a sync is running: its worker is alive and renewing
    if not state.belongs_to(key_result.source):
        return True  # a new or changed source: its state starts afresh, due now
    if state.flagged:
        return False
    return state.next_sync_at is None or state.next_sync_at <= now


def lease_holds(state: SyncState, *, now: dt.datetime) -> bool:
    """A sync holds the row and its lease (`next_sync_at` while it runs) has not run out."""
    return (
        state.running_since is not None
        and state.next_sync_at is not None
        and state.next_sync_at > now
    )


def claim(key_result: KeyResult, *, now: dt.datetime) -> bool:
    """Take the row for one sync: only if nobody changed `next_sync_at` since we read it and
    no live claim holds it. True when this caller won; the claim is named by its time, `now`."""
    state = state_of(key_result)
    lease = {"next_sync_at": now + claims.LEASE, "running_since": now, "last_attempt_at": now}
    if state._state.adding:
        # Never synced: the claim is the insert of its row, and only one insert can win.
        try:
            with transaction.atomic():
                SyncState.objects.create(key_result_id=key_result.pk, **lease)
        except IntegrityError:
            return False
        return True
    rows = SyncState.objects.filter(pk=state.pk)
    if state.next_sync_at is None:
        rows = rows.filter(next_sync_at__isnull=True)
    else:
        rows = rows.filter(next_sync_at=state.next_sync_at)
    # While a claim is held, `next_sync_at` is the end of its lease.
    rows = rows.filter(
        Q(running_since__isnull=True) | Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=now)
    )
    return rows.update(**lease) == 1


def held(key_result: KeyResult, claimed_at: dt.datetime) -> QuerySet[SyncState]:
    """The row while the claim made at `claimed_at` still holds it."""
    return SyncState.objects.filter(pk=key_result.pk, running_since=claimed_at)


def renew(key_result: KeyResult, claimed_at: dt.datetime, at: dt.datetime) -> bool:
    """Push the lease of our claim to `at` + LEASE; False once the claim is no longer ours."""
    return held(key_result, claimed_at).update(next_sync_at=at + claims.LEASE) == 1


# ---------------------------------------------------------------------------------------------
# One sync


def sync_key_result(*, key_result: KeyResult, now: dt.datetime) -> SyncOutcome:
    """Fetch the key result's value from its source and record it (see the module docstring).

    Used by the periodic task and by "sync now" on the key-result page; a flagged key result
    is tried too when asked directly, and a success lifts the flag.
    """
    ref = key_result.ref
    if not key_result.source:
        return SyncOutcome(ref, "unbound", message="this key result has no source")
    if not claim(key_result, now=now):
        return SyncOutcome(ref, "busy", message="a sync of this key result is already running")
    source = dict(key_result.source)
    # The claim is renewed while the source is read, however long that takes; a worker that
    # dies stops renewing, and its key result is taken over once the lease ends.
    with claims.kept(lambda at: renew(key_result, now, at), claimed_at=now):
        every, fetched = _fetch(ref, source, now=now)
    if isinstance(fetched, SourceError):
        return _failed(key_result, source, every, now, fetched)
    return _succeeded(key_result, source, every, now, fetched)


def _fetch(
    ref: str, source: dict[str, Any], *, now: dt.datetime
) -> tuple[dt.timedelta, float | SourceError]:
    """The source's schedule and its value, or why there is none."""
    every = DEFAULT_EVERY
    secrets: list[str] = []
    try:
        config, backend = backend_for_source(source)
        every = config.schedule
        secrets = [
            str(backend.config[param.name])
            for param in config.backend.params
            if param.secret and backend.config.get(param.name)
        ]
        value = float(backend.fetch(now=now))
        if not math.isfinite(value) or abs(value) > LARGEST_VALUE:
            raise SourceError(f"the source gave {value}, outside ±10^15", permanent=True)
    except SourceError as exc:
        return every, SourceError(without_secrets(str(exc), secrets), permanent=exc.permanent)
    except Exception as exc:
        # A bug in a backend must not stop the other key results. Its message might quote a
        # secret, so neither the page nor the log gets it: the class and where it was raised.
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" at {frame.filename}:{frame.lineno}" if frame else ""
        log.error("sync of %s failed unexpectedly: %s%s", ref, type(exc).__name__, where)
        return every, SourceError(f"unexpected {type(exc).__name__} (see the server log)")
    return every, value


def _lost(key_result: KeyResult) -> SyncOutcome:
    log.warning("sync of %s: its claim was taken over before the source answered", key_result.ref)
    return SyncOutcome(
        key_result.ref,
        "lost",
        message="another sync took this one's place before the source answered: nothing was "
        "recorded",
    )


def without_secrets(message: str, secrets: list[str]) -> str:
    """The message with any secret value blanked: a provider may echo what it refused."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            message = message.replace(secret, "(hidden)")
    return message


@transaction.atomic
def _succeeded(
    key_result: KeyResult,
    source: dict[str, Any],
    every: dt.timedelta,
    now: dt.datetime,
    value: float,
) -> SyncOutcome:
    ref = key_result.ref
    # The state first, on the row only while our claim holds it: a sync that lost its claim
    # records nothing (the one that took over records the value).
    if not held(key_result, now).update(
        last_synced_at=now,
        next_sync_at=next_sync_time(now, every),
        failures=0,
        flagged=False,
        fingerprint=fingerprint(source),
        last_error="",
        running_since=None,
    ):
        return _lost(key_result)
    cycle = Cycle.objects.get(pk=key_result.objective.cycle_id)
    status = "fetched"
    message = "the cycle is not running: the value was not recorded"
    if cycle.pk in active_cycle_ids(now):
        latest = key_result.checkins.filter(at__lte=now).order_by("-at", "-id").first()
        if latest is None or latest.value != value or now - latest.at >= HEARTBEAT:
            try:
                record_checkin(key_result=key_result, value=value, actor=SYNC_ACTOR, at=now)
                status, message = "recorded", ""
            except CheckInInvalid as exc:
                status, message = "fetched", str(exc)
        else:
            status, message = "unchanged", ""
    log.info("synced %s: %s (%s)", ref, value, status)
    return SyncOutcome(ref, status, value, message)


def _failed(
    key_result: KeyResult,
    source: dict[str, Any],
    every: dt.timedelta,
    now: dt.datetime,
    error: SourceError,
) -> SyncOutcome:
    ref = key_result.ref
    current = SyncState.objects.filter(pk=key_result.pk).values("failures", "fingerprint").first()
    same_source = current is not None and current["fingerprint"] == fingerprint(source)
    failures = (current["failures"] if same_source and current else 0) + 1
    message = str(error)
    if error.permanent:
        if not held(key_result, now).update(
            failures=failures,
            flagged=True,
            fingerprint=fingerprint(source),
            last_error=message,
            next_sync_at=None,
            running_since=None,
        ):
            return _lost(key_result)
        log.warning("sync of %s stopped (permanent failure): %s", ref, message)
        return SyncOutcome(ref, "flagged", message=message)
    if not held(key_result, now).update(
        failures=failures,
        flagged=False,
        fingerprint=fingerprint(source),
        last_error=message,
        next_sync_at=next_sync_time(now, retry_delay(failures, every)),
        running_since=None,
    ):
        return _lost(key_result)
    log.warning("sync of %s failed (attempt %d, will retry): %s", ref, failures, message)
    return SyncOutcome(ref, "failed", message=message)


def sync_due(*, now: dt.datetime) -> list[SyncOutcome]:
    """Sync every due key result, one after the other."""
    outcomes = []
    for kr in due_key_results(now=now):
        try:
            outcomes.append(sync_key_result(key_result=kr, now=now))
        except Exception as exc:
            # One key result's trouble (deleted mid-sync, a database hiccup) must not keep
            # the others stale; its claim lapses and it is tried again.
            log.error("sync of key result %s failed: %s", kr.pk, type(exc).__name__)
    return outcomes


@transaction.atomic
def resume_after_credential_change(*, credential_name: str) -> int:
    """A changed credential may fix what made its key results fail: try them again now.

    A sync running meanwhile read the source with the old credential: its claim is voided, so
    its result is not written and the key result is read again at once."""
    return SyncState.objects.filter(
        key_result__source__credential=credential_name,
    ).update(flagged=False, failures=0, next_sync_at=None, running_since=None)
