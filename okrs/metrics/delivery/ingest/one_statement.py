"""The common delivery stored in ONE PostgreSQL statement: one round trip, one transaction.

Almost every delivery creates rows that do not exist yet: a new change, a new incident, a new
deployment with the changes it ships and the incidents it becomes the suspect of. On
PostgreSQL a data-modifying WITH query does all of that at once: the raw event (deduplicated by
its unique constraint), the normalised row, and the links, with the same SQL rules as sql.py.
A single statement outside a transaction block is its own transaction, so the delivery costs
one round trip and one commit instead of BEGIN, five statements and COMMIT.

It writes all or nothing, and it writes only when nothing needs merging: the raw event's
INSERT is conditional on the normalised row being new (and, for a deployment, on no incident
naming it), and the normalised INSERT has no ON CONFLICT, so a row created by a concurrent
delivery meanwhile makes the whole statement fail instead of leaving a raw event behind
without its merge. Whenever it writes nothing, services.py stores the delivery the general
way, in a transaction of its own, which is where merges happen; deduplication and order
independence are therefore the ones services.py documents (tests/events/test_idempotence.py
and the property tests run on PostgreSQL too). SQLite has no data-modifying WITH, and no
round trips to save: it always takes the general way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction

from okrs.metrics.delivery.ingest.normalise import ChangeRecord, DeploymentRecord, IncidentRecord
from okrs.metrics.delivery.ingest.sql import RecordDelivery


@dataclass(frozen=True)
class Attempt:
    """What the statement found and did. `raw_event_id` None: it wrote nothing, because the
    secret changed (`secret_current` False), the delivery is a redelivery (`already_received`),
    or the delivery needs the general way."""

    raw_event_id: int | None
    service_id: int | None
    secret_current: bool
    already_received: bool


def handles(record: DeploymentRecord | ChangeRecord | IncidentRecord) -> bool:
    # An incident naming its cause is attributed by rules (deployment id, else commit, live at
    # the opening, else the first) that services._attribute keeps in one place.
    # What a remediation or a revert names is one more column the statement does not write
    # (the column's database default leaves it empty): those rare deliveries go the general way.
    return connection.vendor == "postgresql" and not (
        (isinstance(record, IncidentRecord) and record.cause_ref)
        or (isinstance(record, DeploymentRecord) and record.remediates_ref)
        or (isinstance(record, ChangeRecord) and record.reverts_ref)
    )


_FOUND = {
    False: "SELECT (SELECT service_id FROM delivery_servicealias WHERE provider = %(provider)s "
    "AND external = %(external)s) AS id",
    # Generic events may name a service by its key when no alias matches.
    True: "SELECT COALESCE((SELECT service_id FROM delivery_servicealias "
    "WHERE provider = %(provider)s AND external = %(external)s), "
    '(SELECT id FROM delivery_service WHERE "key" = %(key)s)) AS id',
}

_STILL_CONFIGURED = (
    "EXISTS (SELECT 1 FROM delivery_webhooksecret "
    "WHERE provider = %(provider)s AND secret = %(secret)s)"
)

_RAW = (
    "raw AS (INSERT INTO delivery_rawevent (provider, event_type, delivery_id, received_at, "
    "payload, outcome, detail, service_id) "
    "SELECT %(provider)s, %(event_type)s, %(delivery_id)s, %(received_at)s, "
    "CAST(%(payload)s AS jsonb), "
    "CASE WHEN found.id IS NULL THEN 'unmapped' ELSE 'normalised' END, "
    "CASE WHEN found.id IS NULL THEN %(detail_unmapped)s ELSE %(detail_normalised)s END, "
    "found.id FROM found "
    "WHERE {still_configured} AND NOT EXISTS ({occupied}) "
    "ON CONFLICT (provider, delivery_id) DO NOTHING RETURNING id, service_id)"
)

# The rows whose existence sends a delivery the general way (a merge, or incidents to link).
_CHANGE_OCCUPIED = (
    "SELECT 1 FROM delivery_change WHERE service_id = found.id AND commit_sha = %(commit)s"
)
_INCIDENT_OCCUPIED = (
    "SELECT 1 FROM delivery_incident WHERE provider = %(provider)s "
    "AND external_id = %(external_id)s"
)
_DEPLOYMENT_OCCUPIED = (
    "SELECT 1 FROM delivery_deployment WHERE provider = %(provider)s "
    "AND external_id = %(external_id)s UNION ALL "
    "SELECT 1 FROM delivery_incident WHERE service_id = found.id "
    "AND caused_by_ref IN (%(external_id)s, %(commit)s) AND caused_by_ref <> ''"
)

# sql.insert_change: linked to the first successful production deployment at or after it
# landed.
_NEW_CHANGE = (
    "new_change AS (INSERT INTO delivery_change (service_id, commit_sha, first_commit_at, "
    "merged_at, pull_request, remediation_kind, raw_event_id, deployment_id) "
    "SELECT raw.service_id, %(commit)s, %(first_commit_at)s, %(merged_at)s, %(pull_request)s, "
    "%(remediation_kind)s, raw.id, (SELECT d.id FROM delivery_deployment d "
    "WHERE d.service_id = raw.service_id AND d.is_production AND d.status = 'success' "
    "AND d.finished_at >= %(merged_at)s ORDER BY d.finished_at, d.external_id LIMIT 1) "
    "FROM raw WHERE raw.service_id IS NOT NULL RETURNING id)"
)
# services._mark_deployments_of, for a change marked as a hotfix, revert or rollback (only
# then: it reads every deployment of the service): deployments of its commit that arrived
# before it take its kind when stronger ('' < hotfix < revert < rollback, as strength).
_MARKS_DEPLOYMENTS = (
    "marked AS (UPDATE delivery_deployment SET remediation_kind = %(remediation_kind)s, "
    "is_remediation = TRUE FROM raw WHERE raw.service_id IS NOT NULL "
    "AND delivery_deployment.service_id = raw.service_id "
    "AND delivery_deployment.commit_sha = %(commit)s "
    "AND delivery_deployment.remediation_kind < %(remediation_kind)s RETURNING 1)"
)

# sql.insert_incident_by_window: blamed on the latest successful production deployment of its
# service that finished before it opened, within the attribution window.
_NEW_INCIDENT = (
    "new_incident AS (INSERT INTO delivery_incident (provider, external_id, service_id, title, "
    "opened_at, resolved_at, caused_by_ref, raw_event_id, caused_by_id, attribution) "
    "SELECT %(provider)s, %(external_id)s, raw.service_id, %(title)s, %(opened_at)s, "
    "%(resolved_at)s, '', raw.id, suspect.id, "
    "CASE WHEN suspect.id IS NULL THEN 'none' ELSE 'time_window' END "
    "FROM raw CROSS JOIN LATERAL (SELECT (SELECT d.id FROM delivery_deployment d "
    "WHERE d.service_id = raw.service_id AND d.is_production AND d.status = 'success' "
    "AND d.finished_at < %(opened_at)s AND d.finished_at >= %(window_start)s "
    "ORDER BY d.finished_at DESC, d.external_id DESC LIMIT 1) AS id) suspect "
    "WHERE raw.service_id IS NOT NULL RETURNING id)"
)

# sql.deployment_context + sql.insert_deployment: a deployment of a commit already known as a
# hotfix or revert is a remediation (MAX and GREATEST pick the strongest, as above).
_NEW_DEPLOYMENT = (
    "new_deployment AS (INSERT INTO delivery_deployment (provider, external_id, service_id, "
    "environment, is_production, status, started_at, finished_at, commit_sha, ref, "
    "is_remediation, remediation_kind, raw_event_id) "
    "SELECT %(provider)s, %(external_id)s, raw.service_id, %(environment)s, "
    "%(is_production)s, %(status)s, %(started_at)s, %(finished_at)s, %(commit)s, %(ref)s, "
    "kind.value <> '', kind.value, raw.id FROM raw CROSS JOIN LATERAL (SELECT "
    "GREATEST(%(remediation_kind)s, COALESCE((SELECT MAX(c.remediation_kind) "
    "FROM delivery_change c WHERE c.service_id = raw.service_id AND c.commit_sha = %(commit)s "
    "AND c.remediation_kind <> ''), '')) AS value) kind "
    "WHERE raw.service_id IS NOT NULL RETURNING id, service_id)"
)

# sql.ship_new_deployment, for a successful production deployment: the changes that landed
# after the previous one and up to it, and the incidents opened within the window after it
# whose suspect (if any) finished before it; explicit attributions are never touched.
_SHIPS = (
    # MATERIALIZED: evaluated once, not once per change row it is compared with. The previous
    # deployment's time bounds the changes from below; -infinity when there is none, so that
    # both bounds are an index range on (service, merged_at), as with a literal in sql.py.
    "previous AS MATERIALIZED (SELECT COALESCE((SELECT d.finished_at "
    "FROM delivery_deployment d WHERE d.service_id = found.id AND d.is_production "
    "AND d.status = 'success' AND d.finished_at <= %(finished_at)s "
    "AND (d.finished_at < %(finished_at)s OR d.external_id < %(external_id)s) "
    "ORDER BY d.finished_at DESC, d.external_id DESC LIMIT 1), "
    "'-infinity'::timestamptz) AS finished_at FROM found), "
    "shipped AS (UPDATE delivery_change SET deployment_id = new_deployment.id "
    "FROM new_deployment, previous "
    "WHERE delivery_change.service_id = new_deployment.service_id "
    "AND delivery_change.merged_at <= %(finished_at)s "
    "AND delivery_change.merged_at > previous.finished_at RETURNING 1), "
    "blamed AS (UPDATE delivery_incident SET caused_by_id = new_deployment.id, "
    "attribution = 'time_window' FROM new_deployment "
    "WHERE delivery_incident.service_id = new_deployment.service_id "
    "AND delivery_incident.opened_at > %(finished_at)s "
    "AND delivery_incident.opened_at <= %(window_end)s "
    "AND delivery_incident.attribution <> 'explicit' "
    "AND (delivery_incident.caused_by_id IS NULL OR EXISTS (SELECT 1 "
    "FROM delivery_deployment suspect WHERE suspect.id = delivery_incident.caused_by_id "
    "AND (suspect.finished_at < %(finished_at)s OR (suspect.finished_at = %(finished_at)s "
    "AND suspect.external_id < %(external_id)s)))) RETURNING 1)"
)

# The snapshot the statement started from: whether the secret is still the one that verified
# the delivery, and whether the delivery had been received before.
_ANSWER = (
    "SELECT (SELECT id FROM raw), (SELECT service_id FROM raw), "
    "{still_configured}, EXISTS (SELECT 1 FROM delivery_rawevent "
    "WHERE provider = %(provider)s AND delivery_id = %(delivery_id)s)"
)


def _statement(*parts: str, occupied: str, by_key: bool) -> str:
    found = f"found AS ({_FOUND[by_key]})"
    raw = _RAW.format(still_configured=_STILL_CONFIGURED, occupied=occupied)
    answer = _ANSWER.format(still_configured=_STILL_CONFIGURED)
    return f"WITH {found}, {raw}, {', '.join(parts)} {answer}"


_STATEMENTS = {
    (kind, by_key): _statement(*parts, occupied=occupied, by_key=by_key)
    for kind, parts, occupied in (
        ("change", (_NEW_CHANGE,), _CHANGE_OCCUPIED),
        ("remediation change", (_NEW_CHANGE, _MARKS_DEPLOYMENTS), _CHANGE_OCCUPIED),
        ("incident", (_NEW_INCIDENT,), _INCIDENT_OCCUPIED),
        ("deployment", (_NEW_DEPLOYMENT,), _DEPLOYMENT_OCCUPIED),
        ("shipping deployment", (_NEW_DEPLOYMENT, _SHIPS), _DEPLOYMENT_OCCUPIED),
    )
    for by_key in (False, True)
}


def store(
    delivery: RecordDelivery,
    *,
    record: DeploymentRecord | ChangeRecord | IncidentRecord,
    window: dt.timedelta,
) -> Attempt | None:
    """Store a delivery with a record in one statement. None: a concurrent delivery created
    the same row meanwhile, and nothing was written (the caller takes the general way)."""
    params: dict[str, Any] = {
        "provider": delivery.provider,
        "event_type": delivery.event_type,
        "delivery_id": delivery.delivery_id,
        "received_at": delivery.received_at,
        "payload": delivery.payload_json,
        "external": delivery.external,
        "key": delivery.key,
        "detail_unmapped": delivery.detail_unmapped,
        "detail_normalised": delivery.detail_normalised,
        "secret": delivery.secret_ciphertext,
    }
    if isinstance(record, ChangeRecord):
        kind = "remediation change" if record.remediation_kind else "change"
        params.update(
            commit=record.commit_sha[:100],
            first_commit_at=record.first_commit_at,
            merged_at=record.merged_at,
            pull_request=record.pull_request,
            remediation_kind=record.remediation_kind,
        )
    elif isinstance(record, IncidentRecord):
        kind = "incident"
        params.update(
            external_id=record.external_id[:200],
            title=record.title[:500],
            opened_at=record.opened_at,
            resolved_at=record.resolved_at,
            window_start=record.opened_at - window,
        )
    else:
        ships = record.is_production and record.status == "success"
        kind = "shipping deployment" if ships else "deployment"
        params.update(
            external_id=record.external_id[:200],
            environment=record.environment[:200],
            is_production=record.is_production,
            status=record.status,
            started_at=record.started_at,
            finished_at=record.finished_at,
            commit=record.commit_sha[:100],
            ref=record.ref[:300],
            remediation_kind=record.remediation_kind,
            window_end=record.finished_at + window,
        )
    statement = _STATEMENTS[(kind, delivery.key is not None)]
    try:
        # Inside a caller's transaction (a test's, a script's) the statement gets a savepoint,
        # so that its failing does not abort the caller's transaction; otherwise it runs on
        # its own, in autocommit, which is the point.
        if connection.in_atomic_block:
            with transaction.atomic():
                row = _fetch_one(statement, params)
        else:
            row = _fetch_one(statement, params)
    except IntegrityError:
        return None
    return Attempt(row[0], row[1], bool(row[2]), bool(row[3]))


def _fetch_one(statement: str, params: dict[str, Any]) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    assert row is not None  # a SELECT without FROM answers one row
    return row
