"""GitLab webhooks: Deployment Hook, Merge Request Hook and Push Hook.

Headers: X-Gitlab-Event names the hook, X-Gitlab-Token carries the secret token,
Idempotency-Key (GitLab 17.4+, the same on every retry) or else X-Gitlab-Event-UUID identifies the
delivery. The service is the project's path ("acme/checkout"), compared case-insensitively; in a
monorepo, a deployment's service is the segment of its environment's folders that is a service's
key (`production/checkout`, monorepo.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from okrs.metrics.delivery.ingest.monorepo import changed_files, environment_folders
from okrs.metrics.delivery.ingest.normalise import (
    ChangeRecord,
    DeploymentRecord,
    Identity,
    Normalised,
    PayloadMalformed,
    field,
    is_production_environment,
    items,
    optional_integer,
    parse_time,
    remediation_kind,
    required_text,
    reverted_ref,
    text,
)
from okrs.metrics.delivery.signatures import verify_gitlab as verify

__all__ = ["identify", "normalise", "verify"]

_DEPLOYMENT_STATUSES = {
    "success": "success",
    "failed": "failure",
    "running": "in_progress",
    "created": "in_progress",
}
_NO_COMMIT = "0" * 40


def identify(headers: Mapping[str, str], payload: dict[str, Any], body: bytes) -> Identity:
    event_type = headers.get("x-gitlab-event", "").strip()
    if not event_type:
        raise PayloadMalformed("X-Gitlab-Event header is missing")
    delivery = (
        headers.get("idempotency-key", "").strip()
        or headers.get("x-gitlab-event-uuid", "").strip()
        or "sha256:" + hashlib.sha256(body).hexdigest()
    )
    return Identity(event_type, delivery)


def normalise(identity: Identity, payload: dict[str, Any]) -> Normalised:
    handler = _HANDLERS.get(identity.event_type)
    if handler is None:
        return Normalised.ignore(f"GitLab event {identity.event_type!r} is not used")
    return handler(payload)


def _project(payload: dict[str, Any]) -> str:
    return required_text(payload, "project", "path_with_namespace")


def _default_branch(payload: dict[str, Any]) -> str:
    return text(payload, "project", "default_branch") or "main"


def _deployment(payload: dict[str, Any]) -> Normalised:
    status = required_text(payload, "status")
    if status not in _DEPLOYMENT_STATUSES:
        return Normalised.ignore(f"deployment {status}")
    environment = required_text(payload, "environment")
    # The hook has the short sha and the commit's URL, whose last segment is the full sha.
    commit_url = text(payload, "commit_url")
    commit = commit_url.rstrip("/").rsplit("/", 1)[-1] if commit_url else ""
    record = DeploymentRecord(
        external_id=text(payload, "deployment_id") or required_text(payload, "deployable_id"),
        environment=environment,
        is_production=text(payload, "environment_tier") == "production"
        or is_production_environment(environment),
        status=_DEPLOYMENT_STATUSES[status],
        finished_at=parse_time(field(payload, "status_changed_at"), "status_changed_at"),
        commit_sha=commit or text(payload, "short_sha"),
        ref=text(payload, "ref"),
        remediation_kind=remediation_kind(
            messages=(text(payload, "commit_title"),), refs=(text(payload, "ref"),)
        ),
    )
    # environment_slug is no use here: GitLab turns the "/" into "-", like any "-" in a key.
    return Normalised(
        service_ref=_project(payload),
        record=record,
        environment_folders=environment_folders(environment),
    )


def _merge_request(payload: dict[str, Any]) -> Normalised:
    attributes = field(payload, "object_attributes") or {}
    action = text(attributes, "action")
    if action != "merge":
        return Normalised.ignore(f"merge request {action or 'event'}, not merged")
    target = text(attributes, "target_branch")
    branch = _default_branch(payload)
    if target != branch:
        return Normalised.ignore(f"merged into {target}, not into {branch}")
    labels = items(payload, "labels") or items(attributes, "labels")
    merged = field(attributes, "merged_at") or field(attributes, "updated_at")
    record = ChangeRecord(
        commit_sha=text(attributes, "merge_commit_sha")
        or required_text(attributes, "last_commit", "id"),
        first_commit_at=parse_time(field(attributes, "created_at"), "object_attributes.created_at"),
        merged_at=parse_time(merged, "object_attributes.updated_at"),
        pull_request=optional_integer(attributes, "iid"),
        remediation_kind=remediation_kind(
            messages=(text(attributes, "title"),),
            refs=(text(attributes, "source_branch"),),
            labels=tuple(text(label, "title") for label in labels if isinstance(label, dict)),
        ),
        reverts_ref=reverted_ref(descriptions=(text(attributes, "description"),)),
    )
    return Normalised(service_ref=_project(payload), record=record)


def _push(payload: dict[str, Any]) -> Normalised:
    ref = text(payload, "ref")
    branch = _default_branch(payload)
    if ref != f"refs/heads/{branch}":
        return Normalised.ignore(f"push to {ref or 'an unknown ref'}, not to {branch}")
    after = text(payload, "checkout_sha") or text(payload, "after")
    if not after or after == _NO_COMMIT:
        return Normalised.ignore("branch deleted")
    commits = [c for c in items(payload, "commits") if isinstance(c, dict)]
    if not commits:
        return Normalised.ignore("push without commits")
    times = [parse_time(field(c, "timestamp"), "commits[].timestamp") for c in commits]
    record = ChangeRecord(
        commit_sha=after,
        first_commit_at=min(times),
        # A push hook carries no push time; its newest commit is the closest we have.
        merged_at=max(times),
        remediation_kind=remediation_kind(messages=tuple(text(c, "message") for c in commits)),
        reverts_ref=reverted_ref(descriptions=tuple(text(c, "message") for c in commits)),
    )
    return Normalised(service_ref=_project(payload), record=record, files=changed_files(commits))


_HANDLERS = {
    "Deployment Hook": _deployment,
    "Merge Request Hook": _merge_request,
    "Push Hook": _push,
}
