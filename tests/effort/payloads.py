"""Merged pull requests built on GitHub's real closed pull_request payload (tests/events)."""

from __future__ import annotations

from typing import Any

from tests.events.conftest import github_payload


def merged_pull_request(
    number: int,
    *,
    repository: str = "acme/platform",
    title: str = "Update the README with new information.",
    body: str | None = "This is a pretty simple change that we need to pull into master.",
    labels: tuple[str, ...] = (),
    branch: str = "changes",
    author: str = "Codertocat",
    merged_at: str = "2026-10-14T15:25:00Z",
) -> dict[str, Any]:
    """The real `pull_request.closed.3` delivery, merged, with the fields effort reads set."""
    payload = github_payload("pull_request.closed.3")
    pull = payload["pull_request"]
    label = pull["labels"][0]
    pull.update(
        number=number,
        title=title,
        body=body,
        labels=[{**label, "name": name} for name in labels],
        merged=True,
        merged_at=merged_at,
        closed_at=merged_at,
        merge_commit_sha=f"{number:040x}",
    )
    pull["head"]["ref"] = branch
    pull["user"]["login"] = author
    payload["number"] = number
    owner, name = repository.split("/")
    payload["repository"].update(full_name=repository, name=name)
    payload["repository"]["owner"]["login"] = owner
    # The fixture's repository merges into master.
    return payload
