"""The hot path of ingestion in plain SQL: one statement per step, no ORM compilation.

A busy installation receives many deliveries per second (and the benchmark a million), and
almost every one creates a new row. Each function here does one such step in a single round
trip, with `INSERT ... ON CONFLICT DO NOTHING RETURNING id` (PostgreSQL, and SQLite since 3.35)
so that an existing row is reported (None) instead of raising: the caller then merges through
the ORM (services.py), which is the rare path. The rules are the ones services.py documents;
tests/events/test_idempotence.py checks both paths agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection

from okrs.metrics.delivery.models import (
    Change,
    Deployment,
    Incident,
    RawEvent,
    Service,
    ServiceAlias,
    WebhookSecret,
)

# The statements below name the tables literally; this keeps them honest if a model changes.
assert (
    RawEvent._meta.db_table,
    Deployment._meta.db_table,
    Change._meta.db_table,
    Incident._meta.db_table,
    Service._meta.db_table,
    ServiceAlias._meta.db_table,
    WebhookSecret._meta.db_table,
) == (
    "delivery_rawevent",
    "delivery_deployment",
    "delivery_change",
    "delivery_incident",
    "delivery_service",
    "delivery_servicealias",
    "delivery_webhooksecret",
)


def _time(value: dt.datetime | None) -> Any:
    """A datetime as this database's driver expects it (SQLite stores Django's own text form)."""
    return connection.ops.adapt_datetimefield_value(value)


def _fetch_one(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def stored_secret(provider: str) -> str | None:
    """The encrypted secret column of a provider (decrypted by the caller), or None."""
    row = _fetch_one("SELECT secret FROM delivery_webhooksecret WHERE provider = %s", [provider])
    return row[0] if row else None


# Every statement that stores a delivery writes only while the provider's secret column still
# holds the ciphertext whose plaintext verified the delivery (webhook_secrets.py says why).
STILL_CONFIGURED = (
    "EXISTS (SELECT 1 FROM delivery_webhooksecret WHERE provider = %s AND secret = %s)"
)


def secret_is_current(provider: str, secret_ciphertext: str) -> bool:
    """Whether the provider's secret is still the one stored as `secret_ciphertext`."""
    row = _fetch_one(f"SELECT {STILL_CONFIGURED}", [provider, secret_ciphertext])
    return bool(row and row[0])


def service_for(provider: str, external: str, key: str | None) -> int | None:
    """The service an alias names; for generic events, else the service with that key."""
    if key is None:
        row = _fetch_one(
            "SELECT service_id FROM delivery_servicealias WHERE provider = %s AND external = %s",
            [provider, external],
        )
    else:
        row = _fetch_one(
            "SELECT COALESCE((SELECT service_id FROM delivery_servicealias WHERE provider = %s "
            'AND external = %s), (SELECT id FROM delivery_service WHERE "key" = %s))',
            [provider, external, key],
        )
    return row[0] if row else None


# SQLite needs the WHERE to tell the upsert's ON CONFLICT from a join's ON.
_INSERT_RAW = (
    "INSERT INTO delivery_rawevent (provider, event_type, delivery_id, received_at, payload, "
    "outcome, detail) SELECT %s, %s, %s, %s, {payload}, %s, %s WHERE {still_configured} "
    "ON CONFLICT (provider, delivery_id) DO NOTHING RETURNING id"
)
# jsonb needs the text cast; SQLite keeps the JSON text as it is.
_RAW = {
    vendor_is_postgresql: _INSERT_RAW.format(
        payload="CAST(%s AS jsonb)" if vendor_is_postgresql else "%s",
        still_configured=STILL_CONFIGURED,
    )
    for vendor_is_postgresql in (True, False)
}


def insert_raw_event(
    *,
    provider: str,
    event_type: str,
    delivery_id: str,
    received_at: dt.datetime,
    payload_json: str,
    outcome: str,
    detail: str,
    secret_ciphertext: str,
) -> int | None:
    """The raw event's id, or None when this delivery was already stored (a redelivery) or
    the provider's secret is no longer `secret_ciphertext` (secret_is_current tells which)."""
    statement = _RAW[connection.vendor == "postgresql"]
    row = _fetch_one(
        statement,
        [
            *(provider, event_type, delivery_id, _time(received_at), payload_json, outcome),
            *(detail, provider, secret_ciphertext),
        ],
    )
    return row[0] if row else None


_ALIAS_LOOKUP = (
    "(SELECT service_id FROM delivery_servicealias WHERE provider = %s AND external = %s)"
)
_ALIAS_OR_KEY_LOOKUP = (
    "COALESCE((SELECT service_id FROM delivery_servicealias WHERE provider = %s "
    'AND external = %s), (SELECT id FROM delivery_service WHERE "key" = %s))'
)
_INSERT_RAW_RESOLVING = (
    "INSERT INTO delivery_rawevent (provider, event_type, delivery_id, received_at, payload, "
    "outcome, detail, service_id) SELECT %s, %s, %s, %s, {payload}, "
    "CASE WHEN found.id IS NULL THEN 'unmapped' ELSE 'normalised' END, "
    "CASE WHEN found.id IS NULL THEN %s ELSE %s END, found.id "
    "FROM (SELECT {lookup} AS id) found WHERE {still_configured} "
    "ON CONFLICT (provider, delivery_id) DO NOTHING RETURNING id, service_id"
)
_RESOLVING = {
    (vendor_is_postgresql, by_key): _INSERT_RAW_RESOLVING.format(
        payload="CAST(%s AS jsonb)" if vendor_is_postgresql else "%s",
        lookup=_ALIAS_OR_KEY_LOOKUP if by_key else _ALIAS_LOOKUP,
        still_configured=STILL_CONFIGURED,
    )
    for vendor_is_postgresql in (True, False)
    for by_key in (True, False)
}


@dataclass(frozen=True)
class RecordDelivery:
    """A delivery that yields a record, as both ways of storing it take it (this module's and
    one_statement's): the raw event's columns, the names that find its service, and the detail
    stored for either outcome."""

    provider: str
    event_type: str
    delivery_id: str
    received_at: dt.datetime
    payload_json: str
    external: str  # the service's name at the provider, as aliases store it
    key: str | None  # generic events only: a service key that may stand for the alias
    detail_unmapped: str
    detail_normalised: str
    secret_ciphertext: str


def insert_raw_event_resolving(delivery: RecordDelivery) -> tuple[int, int | None] | None:
    """Store a delivery that yields a record, resolving its service in the same statement:
    (raw event id, service id or None when unmapped), or None for a redelivery or a secret
    that is no longer the delivery's `secret_ciphertext`. The service is the alias's; for
    generic events (`key` given) else the service with that key."""
    provider, external, key = delivery.provider, delivery.external, delivery.key
    statement = _RESOLVING[(connection.vendor == "postgresql", key is not None)]
    lookup = [provider, external] if key is None else [provider, external, key]
    row = _fetch_one(
        statement,
        [
            provider,
            delivery.event_type,
            delivery.delivery_id,
            _time(delivery.received_at),
            delivery.payload_json,
            delivery.detail_unmapped,
            delivery.detail_normalised,
            *lookup,
            provider,
            delivery.secret_ciphertext,
        ],
    )
    return (row[0], row[1]) if row else None


def deployment_context(
    *, service_id: int, commit_sha: str, finished_at: dt.datetime, key: str, refs: list[str]
) -> tuple[Any, str, bool]:
    """In one round trip, what a new deployment needs to know: when the service's previous
    successful production deployment finished (as stored, to pass back), the strongest
    remediation marked on changes of its commit, and whether incidents name it as their cause."""
    finished = _time(finished_at)
    first, second = [*refs, "", ""][:2]
    row = _fetch_one(
        "SELECT "
        "(SELECT finished_at FROM delivery_deployment WHERE service_id = %s AND is_production = %s "
        "AND status = 'success' AND (finished_at < %s OR (finished_at = %s AND external_id < %s)) "
        "ORDER BY finished_at DESC, external_id DESC LIMIT 1), "
        # hotfix < revert < rollback sorts as strength does, so MAX is the strongest.
        "(SELECT MAX(remediation_kind) FROM delivery_change WHERE service_id = %s "
        "AND commit_sha = %s AND remediation_kind <> ''), "
        "(SELECT COUNT(*) FROM delivery_incident WHERE service_id = %s "
        "AND caused_by_ref IN (%s, %s) AND caused_by_ref <> '')",
        [
            service_id,
            True,
            finished,
            finished,
            key,
            service_id,
            commit_sha,
            service_id,
            first,
            second,
        ],
    )
    assert row is not None
    return row[0], row[1] or "", bool(row[2])


def insert_deployment(
    *,
    provider: str,
    external_id: str,
    service_id: int,
    environment: str,
    is_production: bool,
    status: str,
    started_at: dt.datetime | None,
    finished_at: dt.datetime,
    commit_sha: str,
    ref: str,
    remediation_kind: str,
    raw_event_id: int,
    remediates_ref: str = "",
) -> int | None:
    row = _fetch_one(
        "INSERT INTO delivery_deployment (provider, external_id, service_id, environment, "
        "is_production, status, started_at, finished_at, commit_sha, ref, is_remediation, "
        "remediation_kind, raw_event_id, remediates_ref) VALUES (%s, %s, %s, %s, %s, %s, %s, "
        "%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (provider, external_id) DO NOTHING RETURNING id",
        [
            provider,
            external_id,
            service_id,
            environment,
            is_production,
            status,
            _time(started_at),
            _time(finished_at),
            commit_sha,
            ref,
            bool(remediation_kind),
            remediation_kind,
            raw_event_id,
            remediates_ref,
        ],
    )
    return row[0] if row else None


def ship_new_deployment(
    *,
    deployment_id: int,
    service_id: int,
    finished_at: dt.datetime,
    key: str,
    previous_finished: Any,
    window: dt.timedelta,
) -> None:
    """A new successful production deployment takes the changes that landed after the previous
    one and up to it, and the incidents opened within the window after it whose suspect (if
    any) finished before it. Explicit attributions are never touched."""
    finished = _time(finished_at)
    with connection.cursor() as cursor:
        landed = (
            "UPDATE delivery_change SET deployment_id = %s "
            "WHERE service_id = %s AND merged_at <= %s"
        )
        params: list[Any] = [deployment_id, service_id, finished]
        if previous_finished is not None:
            landed += " AND merged_at > %s"
            params.append(previous_finished)
        cursor.execute(landed, params)
        cursor.execute(
            "UPDATE delivery_incident SET caused_by_id = %s, attribution = 'time_window' "
            "WHERE service_id = %s AND opened_at > %s AND opened_at <= %s "
            "AND attribution <> 'explicit' AND (caused_by_id IS NULL OR EXISTS ("
            "SELECT 1 FROM delivery_deployment suspect "
            "WHERE suspect.id = delivery_incident.caused_by_id AND (suspect.finished_at < %s "
            "OR (suspect.finished_at = %s AND suspect.external_id < %s))))",
            [
                deployment_id,
                service_id,
                finished,
                _time(finished_at + window),
                finished,
                finished,
                key,
            ],
        )


def insert_change(
    *,
    service_id: int,
    commit_sha: str,
    first_commit_at: dt.datetime,
    merged_at: dt.datetime,
    pull_request: int | None,
    remediation_kind: str,
    raw_event_id: int,
    reverts_ref: str = "",
) -> int | None:
    """A new change, linked in the same statement to the first successful production
    deployment of its service that finished at or after it landed; None if it exists."""
    merged = _time(merged_at)
    row = _fetch_one(
        "INSERT INTO delivery_change (service_id, commit_sha, first_commit_at, merged_at, "
        "pull_request, remediation_kind, raw_event_id, reverts_ref, deployment_id) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
        "(SELECT id FROM delivery_deployment WHERE service_id = %s AND is_production = %s "
        "AND status = 'success' AND finished_at >= %s ORDER BY finished_at, external_id LIMIT 1))"
        " ON CONFLICT (service_id, commit_sha) DO NOTHING RETURNING id",
        [
            service_id,
            commit_sha,
            _time(first_commit_at),
            merged,
            pull_request,
            remediation_kind,
            raw_event_id,
            reverts_ref,
            service_id,
            True,
            merged,
        ],
    )
    return row[0] if row else None


def insert_incident_by_window(
    *,
    provider: str,
    external_id: str,
    service_id: int,
    title: str,
    opened_at: dt.datetime,
    resolved_at: dt.datetime | None,
    window: dt.timedelta,
    raw_event_id: int,
) -> int | None:
    """A new incident that names no cause, blamed in the same statement on the latest
    successful production deployment of its service within the window; None if it exists."""
    opened = _time(opened_at)
    # SQLite needs the WHERE to tell the upsert's ON CONFLICT from a join's ON.
    row = _fetch_one(
        "INSERT INTO delivery_incident (provider, external_id, service_id, title, opened_at, "
        "resolved_at, caused_by_ref, raw_event_id, caused_by_id, attribution) "
        "SELECT %s, %s, %s, %s, %s, %s, '', %s, suspect.id, "
        "CASE WHEN suspect.id IS NULL THEN 'none' ELSE 'time_window' END FROM ("
        "SELECT (SELECT id FROM delivery_deployment WHERE service_id = %s AND is_production = %s "
        "AND status = 'success' AND finished_at < %s AND finished_at >= %s "
        "ORDER BY finished_at DESC, external_id DESC LIMIT 1) AS id) suspect WHERE 1 = 1 "
        "ON CONFLICT (provider, external_id) DO NOTHING RETURNING id",
        [
            provider,
            external_id,
            service_id,
            title,
            opened,
            _time(resolved_at),
            raw_event_id,
            service_id,
            True,
            opened,
            _time(opened_at - window),
        ],
    )
    return row[0] if row else None
