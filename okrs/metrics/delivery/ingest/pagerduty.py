"""PagerDuty v3 webhooks: incident.triggered and incident.resolved.

The body is {"event": {"id", "event_type", "occurred_at", "data": <the incident>}}; the event's
id identifies the delivery (PagerDuty keeps it across retries). X-PagerDuty-Signature signs the
body. The service is the incident's PagerDuty service id ("PIJ90N7"), compared exactly.

An explicit cause can be given through incident custom fields named `deployment_id`,
`deployment` or `commit` (in `data.custom_fields`, as a list of {name, value} or an object).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from okrs.metrics.delivery.ingest.normalise import (
    Identity,
    IncidentRecord,
    Normalised,
    PayloadInvalid,
    PayloadMalformed,
    field,
    parse_time,
    required_text,
    text,
)
from okrs.metrics.delivery.signatures import verify_pagerduty as verify

__all__ = ["identify", "normalise", "verify"]

CAUSE_FIELDS = ("deployment_id", "deployment", "commit", "commit_sha")


def identify(headers: Mapping[str, str], payload: dict[str, Any], body: bytes) -> Identity:
    event = field(payload, "event")
    event_id = field(event, "id")
    event_type = field(event, "event_type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
        raise PayloadMalformed("a PagerDuty v3 webhook has event.id and event.event_type")
    return Identity(event_type, event_id)


def normalise(identity: Identity, payload: dict[str, Any]) -> Normalised:
    if identity.event_type not in ("incident.triggered", "incident.resolved"):
        return Normalised.ignore(f"PagerDuty event {identity.event_type!r} is not used")
    event = payload["event"]
    incident = field(event, "data")
    if not isinstance(incident, dict):
        raise PayloadInvalid("event.data (the incident) is missing")
    occurred = parse_time(field(event, "occurred_at"), "event.occurred_at")
    created = field(incident, "created_at")
    record = IncidentRecord(
        external_id=required_text(incident, "id"),
        title=text(incident, "title")[:500],
        opened_at=parse_time(created, "event.data.created_at") if created else occurred,
        resolved_at=occurred if identity.event_type == "incident.resolved" else None,
        cause_ref=_cause(field(incident, "custom_fields")),
    )
    return Normalised(service_ref=required_text(incident, "service", "id"), record=record)


def _cause(custom_fields: Any) -> str:
    values: dict[str, str] = {}
    if isinstance(custom_fields, dict):
        values = {str(k).lower(): v for k, v in custom_fields.items() if isinstance(v, str)}
    elif isinstance(custom_fields, list):
        for item in custom_fields:
            name, value = field(item, "name"), field(item, "value")
            if isinstance(name, str) and isinstance(value, str):
                values[name.lower()] = value
    for name in CAUSE_FIELDS:
        if values.get(name, "").strip():
            return values[name].strip()[:200]
    return ""
