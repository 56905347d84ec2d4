"""Which initiative a work item is, in the order docs/effort.md gives; first match wins.

1. a line `Initiative: OBJECTIVE_KEY/INITIATIVE_KEY` in the title or the body;
2. a label, or a branch prefix, listed in the initiative's `work` (`label:canary`,
   `branch:canary/`);
3. an issue key (`PLAT-123`) in the title or the branch that the initiative lists (`jira:PLAT-123`),
   or whose epic it lists (method `epic`: the epics come from Jira, looked up beforehand by
   okrs.metrics.effort.jira and handed in as a mapping).

Anything else is unlinked. Plain values in, plain values out: no Django, no models.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LINE = "line"
LABEL = "label"
BRANCH = "branch"
ISSUE = "issue"
EPIC = "epic"
METHODS = (LINE, LABEL, BRANCH, ISSUE, EPIC)

WORK_KINDS = ("label", "branch", "jira")

_INITIATIVE_LINE = re.compile(
    r"^[ \t>*-]*initiative:[ \t]*([a-z0-9][a-z0-9-]*)/([a-z0-9][a-z0-9-]*)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$")
# In titles and branches ("PLAT-123: fix", "feature/plat-123-retry"): any case, then upper-cased.
_ISSUE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9_]*-[1-9][0-9]*)(?![0-9])")


@dataclass(frozen=True)
class WorkEntry:
    kind: str  # label | branch | jira
    value: str


def parse_work_entry(entry: str) -> WorkEntry:
    """`label:canary`, `branch:canary/` or `jira:PLAT-12`; ValueError says what is wrong."""
    kind, sep, value = entry.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if not sep or kind not in WORK_KINDS:
        raise ValueError(
            f"work entry {entry!r} must be label:NAME, branch:PREFIX or jira:ISSUE-KEY"
        )
    if not value:
        raise ValueError(f"work entry {entry!r} names no {kind}")
    if kind == "jira" and not ISSUE_KEY.match(value):
        raise ValueError(f"work entry {entry!r}: {value!r} is not an issue key such as PLAT-12")
    if len(value) > 200:
        raise ValueError(f"work entry {entry!r} is longer than 200 characters")
    return WorkEntry(kind, value)


@dataclass(frozen=True)
class Target:
    """An initiative as linking sees it. `ref` is OBJECTIVE_KEY/INITIATIVE_KEY."""

    id: int
    ref: str
    work: tuple[WorkEntry, ...]


@dataclass(frozen=True)
class Item:
    title: str
    body: str
    labels: tuple[str, ...]
    branch: str


@dataclass(frozen=True)
class Link:
    initiative_id: int | None
    method: str  # one of METHODS, "" when unlinked
    # What matched: the line's reference, "label:canary", "PLAT-12", "PLAT-123 in PLAT-12".
    detail: str


UNLINKED = Link(None, "", "")


def issue_keys(item: Item) -> list[str]:
    found = []
    for text in (item.title, item.branch):
        for match in _ISSUE_IN_TEXT.finditer(text):
            key = match.group(1).upper()
            if key not in found:
                found.append(key)
    return found


def lists_issues(targets: Sequence[Target]) -> bool:
    """Whether any initiative lists an issue key: only then is an issue's epic worth asking."""
    return any(entry.kind == "jira" for target in targets for entry in target.work)


def link(item: Item, targets: Sequence[Target], epics: Mapping[str, str] | None = None) -> Link:
    """The first method that matches, and within it the first target in `targets`' order
    (callers put first the initiatives whose cycle holds the item's merge). `epics` maps an
    issue key to its epic's key, for the keys Jira has been asked about."""
    by_ref: dict[str, Target] = {}
    for target in targets:
        by_ref.setdefault(target.ref, target)
    for text in (item.title, item.body):
        for match in _INITIATIVE_LINE.finditer(text):
            ref = f"{match.group(1).lower()}/{match.group(2).lower()}"
            if ref in by_ref:
                return Link(by_ref[ref].id, LINE, ref)
    labels = {label.strip().lower() for label in item.labels}
    for target in targets:
        for entry in target.work:
            if entry.kind == "label" and entry.value.lower() in labels:
                return Link(target.id, LABEL, f"label:{entry.value}")
    for target in targets:
        for entry in target.work:
            if entry.kind == "branch" and item.branch.startswith(entry.value):
                return Link(target.id, BRANCH, f"branch:{entry.value}")
    keys = issue_keys(item)
    for key in keys:
        for target in targets:
            for entry in target.work:
                if entry.kind == "jira" and entry.value.upper() == key:
                    return Link(target.id, ISSUE, key)
    for key in keys:
        epic = (epics or {}).get(key)
        if not epic:
            continue
        for target in targets:
            for entry in target.work:
                if entry.kind == "jira" and entry.value.upper() == epic:
                    return Link(target.id, EPIC, f"{key} in {epic}")
    return UNLINKED
