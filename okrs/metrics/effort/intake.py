"""Reading a work item out of a stored delivery: which deliveries are one, and their fields.

A merged GitHub pull request (`pull_request`, action closed, merged), a merged GitLab merge
request (`Merge Request Hook`, action merge), or a generic `change` event with an `author`.
Ingestion has already verified and read the delivery (it became a change), so here every field
is read leniently: a missing or odd one is blank, never an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from okrs.metrics.delivery.ingest.normalise import PayloadInvalid, field, optional_time


@dataclass(frozen=True)
class WorkItemRecord:
    provider: str
    external_id: str
    author: str
    title: str
    body: str
    labels: tuple[str, ...]
    branch: str
    merged_at: dt.datetime


def _text(data: Any, *path: str) -> str:
    value = field(data, *path)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    return ""


def _names(values: Any, key: str | None) -> tuple[str, ...]:
    if not isinstance(values, list):
        return ()
    names = (_text(v, key) if key else (v if isinstance(v, str) else "") for v in values)
    return tuple(name for name in names if name)


def _time(value: Any) -> dt.datetime | None:
    try:
        return optional_time(value, "merged_at")
    except PayloadInvalid:
        return None


def work_item(provider: str, event_type: str, payload: dict[str, Any]) -> WorkItemRecord | None:
    """The work item the delivery is, or None when it is none."""
    reader = _READERS.get((provider, event_type))
    return reader(payload) if reader is not None else None


def _github(payload: dict[str, Any]) -> WorkItemRecord | None:
    pull = field(payload, "pull_request")
    if _text(payload, "action") != "closed" or field(pull, "merged") is not True:
        return None
    merged = _time(field(pull, "merged_at"))
    repository = _text(payload, "repository", "full_name").lower()
    number = _text(pull, "number") or _text(payload, "number")
    author = _text(pull, "user", "login")
    if merged is None or not repository or not number or not author:
        return None
    return WorkItemRecord(
        provider="github",
        external_id=f"{repository}#{number}",
        author=author.lower(),
        title=_text(pull, "title"),
        body=_text(pull, "body"),
        labels=_names(field(pull, "labels"), "name"),
        branch=_text(pull, "head", "ref"),
        merged_at=merged,
    )


def _gitlab(payload: dict[str, Any]) -> WorkItemRecord | None:
    attributes = field(payload, "object_attributes")
    if _text(attributes, "action") != "merge":
        return None
    merged = _time(field(attributes, "merged_at") or field(attributes, "updated_at"))
    project = _text(payload, "project", "path_with_namespace").lower()
    iid = _text(attributes, "iid")
    # The hook's `user` is whoever merged it; the author is only known by id.
    author_id = _text(attributes, "author_id")
    author = f"gitlab-user:{author_id}" if author_id else _text(payload, "user", "username")
    if merged is None or not project or not iid or not author:
        return None
    labels = field(payload, "labels") or field(attributes, "labels")
    return WorkItemRecord(
        provider="gitlab",
        external_id=f"{project}!{iid}",
        author=author.lower(),
        title=_text(attributes, "title"),
        body=_text(attributes, "description"),
        labels=_names(labels, "title"),
        branch=_text(attributes, "source_branch"),
        merged_at=merged,
    )


def _generic(payload: dict[str, Any]) -> WorkItemRecord | None:
    merged = _time(field(payload, "merged_at")) or _time(field(payload, "first_commit_at"))
    author = _text(payload, "author")
    event_id = _text(payload, "id")
    if merged is None or not author or not event_id:
        return None
    return WorkItemRecord(
        provider="generic",
        external_id=event_id,
        author=author.lower(),
        title=_text(payload, "title"),
        body=_text(payload, "body"),
        labels=_names(field(payload, "labels"), None),
        branch=_text(payload, "branch"),
        merged_at=merged,
    )


_READERS = {
    ("github", "pull_request"): _github,
    ("gitlab", "Merge Request Hook"): _gitlab,
    ("generic", "change"): _generic,
}
