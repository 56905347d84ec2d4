"""The generic JSON, for any CI or incident tool: one deployment, change or incident per request.

docs/events.md is the reference; in short, every event has `id` (unique per event: the
deduplication key), `type` (deployment | change | incident) and `service` (a generic alias or a
service key), plus the fields of its type. Signed with X-Okrs-Timestamp and X-Okrs-Signature
(okrs.metrics.delivery.signatures.verify_generic).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from okrs.metrics.delivery.ingest.normalise import (
    ChangeRecord,
    DeploymentRecord,
    Identity,
    IncidentRecord,
    Normalised,
    PayloadInvalid,
    PayloadMalformed,
    field,
    is_production_environment,
    items,
    optional_integer,
    optional_time,
    parse_time,
    remediation_kind,
    required_text,
    reverted_ref,
    strongest_remediation,
    text,
)
from okrs.metrics.delivery.signatures import verify_generic as verify

__all__ = ["identify", "normalise", "verify"]

TYPES = ("deployment", "change", "incident")
STATUSES = ("success", "failure", "error", "in_progress")
REMEDIATIONS = ("hotfix", "rollback", "revert")


def identify(headers: Mapping[str, str], payload: dict[str, Any], body: bytes) -> Identity:
    event_id = field(payload, "id")
    if not isinstance(event_id, str | int) or isinstance(event_id, bool) or str(event_id) == "":
        raise PayloadMalformed("`id` is required: a unique id per event, used to drop repeats")
    if len(str(event_id)) > 200:
        raise PayloadMalformed("`id` is longer than 200 characters")
    kind = field(payload, "type")
    return Identity(kind if isinstance(kind, str) else "", str(event_id))


def normalise(identity: Identity, payload: dict[str, Any]) -> Normalised:
    if identity.event_type not in TYPES:
        return Normalised.ignore(
            f"type {identity.event_type!r} is not used: send deployment, change or incident"
        )
    service = required_text(payload, "service")
    if identity.event_type == "deployment":
        record: DeploymentRecord | ChangeRecord | IncidentRecord = _deployment(identity, payload)
    elif identity.event_type == "change":
        record = _change(payload)
    else:
        record = _incident(identity, payload)
    files = _files(payload) if identity.event_type == "change" else None
    return Normalised(service_ref=service, record=record, files=files)


def _files(payload: dict[str, Any]) -> tuple[str, ...] | None:
    """A change's optional `files`: the paths it touched, which place it in a monorepo."""
    if field(payload, "files") is None:
        return None
    paths = items(payload, "files")
    if not all(isinstance(path, str) for path in paths):
        raise PayloadInvalid("files must be a list of paths (strings)")
    return tuple(sorted({path for path in paths if path}))


def _remediation(payload: dict[str, Any]) -> str:
    given = text(payload, "remediation").lower()
    if given and given not in REMEDIATIONS:
        raise PayloadInvalid("remediation must be hotfix, rollback or revert (or absent)")
    labels = tuple(label for label in items(payload, "labels") if isinstance(label, str))
    detected = remediation_kind(
        messages=(text(payload, "message"),), refs=(text(payload, "ref"),), labels=labels
    )
    return strongest_remediation(given, detected)


def _deployment(identity: Identity, payload: dict[str, Any]) -> DeploymentRecord:
    status = required_text(payload, "status")
    if status not in STATUSES:
        raise PayloadInvalid(f"status must be one of {', '.join(STATUSES)}")
    environment = required_text(payload, "environment")
    production = field(payload, "production")
    if production is not None and not isinstance(production, bool):
        raise PayloadInvalid("production must be true or false")
    kind = _remediation(payload)
    remediates = text(payload, "remediates").strip()
    if remediates and not kind:
        # A deployment that says what it remediates is a remediation: unplanned by definition.
        kind = "hotfix"
    return DeploymentRecord(
        external_id=text(payload, "deployment_id") or identity.delivery_id,
        environment=environment,
        is_production=production
        if isinstance(production, bool)
        else is_production_environment(environment),
        status=status,
        started_at=optional_time(field(payload, "started_at"), "started_at"),
        finished_at=parse_time(field(payload, "finished_at"), "finished_at"),
        commit_sha=text(payload, "commit"),
        ref=text(payload, "ref"),
        remediation_kind=kind,
        remediates_ref=remediates[:200],
    )


def _change(payload: dict[str, Any]) -> ChangeRecord:
    first = parse_time(field(payload, "first_commit_at"), "first_commit_at")
    merged = optional_time(field(payload, "merged_at"), "merged_at") or first
    if merged < first:
        raise PayloadInvalid("merged_at is before first_commit_at")
    return ChangeRecord(
        commit_sha=required_text(payload, "commit"),
        first_commit_at=first,
        merged_at=merged,
        pull_request=optional_integer(payload, "pull_request"),
        remediation_kind=_remediation(payload),
        reverts_ref=reverted_ref(descriptions=(text(payload, "message"),))[:200],
    )


def _incident(identity: Identity, payload: dict[str, Any]) -> IncidentRecord:
    status = text(payload, "status") or "open"
    if status not in ("open", "resolved"):
        raise PayloadInvalid("status must be open or resolved")
    resolved = optional_time(field(payload, "resolved_at"), "resolved_at")
    if status == "resolved" and resolved is None:
        raise PayloadInvalid("resolved_at is required when status is resolved")
    opened = parse_time(field(payload, "opened_at"), "opened_at")
    if resolved is not None and resolved < opened:
        raise PayloadInvalid("resolved_at is before opened_at")
    return IncidentRecord(
        external_id=text(payload, "incident_id") or identity.delivery_id,
        title=text(payload, "title")[:500],
        opened_at=opened,
        resolved_at=resolved,
        cause_ref=(text(payload, "deployment_id") or text(payload, "commit"))[:200],
    )
