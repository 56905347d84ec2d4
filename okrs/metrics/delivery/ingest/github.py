"""GitHub webhooks: deployment_status, push, pull_request and workflow_run.

Headers: X-GitHub-Event names the event, X-GitHub-Delivery is the delivery's id (kept across
redeliveries from GitHub's "Redeliver" button), X-Hub-Signature-256 signs the body.
The service is the repository's full name ("acme/checkout"), compared case-insensitively.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from okrs.metrics.delivery.ingest.config import deploy_workflows
from okrs.metrics.delivery.ingest.monorepo import changed_files
from okrs.metrics.delivery.ingest.normalise import (
    ChangeRecord,
    DeploymentRecord,
    Identity,
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
    text,
)
from okrs.metrics.delivery.signatures import verify_github as verify

__all__ = ["deploy_workflows", "identify", "normalise", "verify"]

# GitHub's deployment states; "inactive" only means a newer deployment replaced this one.
_DEPLOYMENT_STATES = {
    "success": "success",
    "failure": "failure",
    "error": "error",
    "in_progress": "in_progress",
    "queued": "in_progress",
    "pending": "in_progress",
}
# Workflow run conclusions that say how a deploy went; cancelled, skipped and the like say
# nothing about production and are ignored.
_RUN_CONCLUSIONS = {
    "success": "success",
    "failure": "failure",
    "timed_out": "error",
    "startup_failure": "error",
}
_MERGE_MESSAGE = re.compile(r"^Merge pull request #(\d+)\b")


def identify(headers: Mapping[str, str], payload: dict[str, Any], body: bytes) -> Identity:
    event_type = headers.get("x-github-event", "").strip()
    if not event_type:
        raise PayloadMalformed("X-GitHub-Event header is missing")
    # GitHub always sends a delivery id; a hand-made request without one is deduplicated by its
    # content, so posting the same body twice still changes nothing.
    delivery = headers.get("x-github-delivery", "").strip()
    return Identity(event_type, delivery or "sha256:" + hashlib.sha256(body).hexdigest())


def normalise(identity: Identity, payload: dict[str, Any]) -> Normalised:
    handler = _HANDLERS.get(identity.event_type)
    if handler is None:
        if identity.event_type == "ping":
            return Normalised.ignore("ping: the webhook is connected")
        return Normalised.ignore(f"GitHub event {identity.event_type!r} is not used")
    return handler(payload)


def _repository(payload: dict[str, Any]) -> str:
    return required_text(payload, "repository", "full_name")


def _default_branch(payload: dict[str, Any]) -> str:
    return (
        text(payload, "repository", "default_branch")
        or text(payload, "repository", "master_branch")
        or "main"
    )


def _deployment_status(payload: dict[str, Any]) -> Normalised:
    deployment = field(payload, "deployment")
    status = field(payload, "deployment_status")
    if not isinstance(deployment, dict) or not isinstance(status, dict):
        raise PayloadInvalid("deployment and deployment_status are required")
    state = required_text(status, "state")
    if state == "inactive":
        return Normalised.ignore("deployment marked inactive (replaced by a newer one)")
    if state not in _DEPLOYMENT_STATES:
        return Normalised.ignore(f"deployment state {state!r} is not used")
    environment = text(status, "environment") or required_text(deployment, "environment")
    description = field(deployment, "payload")
    record = DeploymentRecord(
        external_id=required_text(deployment, "id"),
        environment=environment,
        is_production=is_production_environment(
            environment, field(deployment, "production_environment")
        ),
        status=_DEPLOYMENT_STATES[state],
        started_at=optional_time(field(deployment, "created_at"), "deployment.created_at"),
        finished_at=parse_time(
            field(status, "updated_at") or field(status, "created_at"),
            "deployment_status.updated_at",
        ),
        commit_sha=text(deployment, "sha"),
        ref=text(deployment, "ref"),
        remediation_kind=remediation_kind(
            messages=(
                text(deployment, "description"),
                text(status, "description"),
                text(payload, "workflow_run", "head_commit", "message"),
                text(payload, "workflow_run", "display_title"),
            ),
            refs=(text(deployment, "ref"), text(deployment, "task")),
            # A deploy tool may mark it in the deployment's payload: {"remediation": "rollback"}.
            labels=(text(description, "remediation"),) if isinstance(description, dict) else (),
        ),
    )
    return Normalised(
        service_ref=_repository(payload),
        record=record,
        names_service=text(description, "service") if isinstance(description, dict) else "",
    )


def _push(payload: dict[str, Any]) -> Normalised:
    ref = text(payload, "ref")
    branch = _default_branch(payload)
    if ref != f"refs/heads/{branch}":
        return Normalised.ignore(f"push to {ref or 'an unknown ref'}, not to {branch}")
    if field(payload, "deleted") is True:
        return Normalised.ignore("branch deleted")
    commits = [c for c in items(payload, "commits") if isinstance(c, dict)]
    head = field(payload, "head_commit")
    if isinstance(head, dict):
        commits.append(head)
    if not commits:
        return Normalised.ignore("push without commits")
    times = [parse_time(field(c, "timestamp"), "commits[].timestamp") for c in commits]
    pushed_at = field(payload, "repository", "pushed_at")
    head_message = text(head, "message") if isinstance(head, dict) else ""
    merge = _MERGE_MESSAGE.match(head_message)
    record = ChangeRecord(
        commit_sha=required_text(payload, "after"),
        first_commit_at=min(times),
        merged_at=parse_time(pushed_at, "repository.pushed_at") if pushed_at else max(times),
        pull_request=int(merge.group(1)) if merge else None,
        remediation_kind=remediation_kind(messages=tuple(text(c, "message") for c in commits)),
        reverts_ref=reverted_ref(descriptions=tuple(text(c, "message") for c in commits)),
    )
    return Normalised(service_ref=_repository(payload), record=record, files=changed_files(commits))


def _pull_request(payload: dict[str, Any]) -> Normalised:
    pull = field(payload, "pull_request")
    if not isinstance(pull, dict):
        raise PayloadInvalid("pull_request is required")
    if text(payload, "action") != "closed" or field(pull, "merged") is not True:
        return Normalised.ignore(f"pull request {text(payload, 'action') or 'event'}, not merged")
    base = text(pull, "base", "ref")
    branch = text(pull, "base", "repo", "default_branch") or _default_branch(payload)
    if base != branch:
        return Normalised.ignore(f"merged into {base}, not into {branch}")
    labels = tuple(text(label, "name") for label in items(pull, "labels"))
    record = ChangeRecord(
        commit_sha=required_text(pull, "merge_commit_sha"),
        # The payload has no commit times; the push of the merge brings the earliest commit's
        # time, and the stored change keeps the earlier of the two.
        first_commit_at=parse_time(field(pull, "created_at"), "pull_request.created_at"),
        merged_at=parse_time(field(pull, "merged_at"), "pull_request.merged_at"),
        pull_request=optional_integer(pull, "number"),
        remediation_kind=remediation_kind(
            messages=(text(pull, "title"),), refs=(text(pull, "head", "ref"),), labels=labels
        ),
        reverts_ref=reverted_ref(
            descriptions=(text(pull, "body"),), repository=_repository(payload)
        ),
    )
    return Normalised(service_ref=_repository(payload), record=record)


def _workflow_run(payload: dict[str, Any]) -> Normalised:
    run = field(payload, "workflow_run")
    if not isinstance(run, dict):
        raise PayloadInvalid("workflow_run is required")
    if text(payload, "action") != "completed":
        return Normalised.ignore(f"workflow run {text(payload, 'action')}, not completed")
    names = {
        text(payload, "workflow", "name").lower(),
        text(run, "name").lower(),
        PurePosixPath(text(payload, "workflow", "path") or text(run, "path")).stem.lower(),
    } - {""}
    if not names & deploy_workflows():
        return Normalised.ignore(
            f"workflow {sorted(names)[0] if names else '?'!r} is not a deploy workflow "
            "(OKRS_GITHUB_DEPLOY_WORKFLOWS)"
        )
    branch = _default_branch(payload)
    if text(run, "head_branch") != branch:
        return Normalised.ignore(f"run on {text(run, 'head_branch')}, not on {branch}")
    conclusion = text(run, "conclusion")
    if conclusion not in _RUN_CONCLUSIONS:
        return Normalised.ignore(f"deploy run concluded {conclusion or 'without a conclusion'}")
    attempt = text(run, "run_attempt") or "1"
    record = DeploymentRecord(
        # Each attempt of a run is its own deployment: a re-run that succeeds after a failure
        # is a second deployment, as it would be by hand.
        external_id=f"run:{required_text(run, 'id')}:{attempt}",
        environment="production",
        is_production=True,
        status=_RUN_CONCLUSIONS[conclusion],
        started_at=optional_time(field(run, "run_started_at"), "workflow_run.run_started_at"),
        finished_at=parse_time(field(run, "updated_at"), "workflow_run.updated_at"),
        commit_sha=text(run, "head_sha"),
        ref=text(run, "head_branch"),
        remediation_kind=remediation_kind(
            messages=(text(run, "head_commit", "message"), text(run, "display_title"))
        ),
    )
    return Normalised(service_ref=_repository(payload), record=record)


_HANDLERS = {
    "deployment_status": _deployment_status,
    "push": _push,
    "pull_request": _pull_request,
    "workflow_run": _workflow_run,
}
