"""What every provider's payload is turned into, and the rules that merge repeated reports.

Pure: no ORM here. The provider modules read their payloads into these records; the services
module writes them. The merge rules are chosen so that the stored result does not depend on the
order in which deliveries arrive (providers retry, and nothing guarantees order): each is a
commutative choice (earliest, latest, strongest) with a deterministic tie-break.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

PRODUCTION_NAMES = frozenset({"production", "prod"})


class PayloadInvalid(ValueError):
    """A known event type whose payload lacks what we need; the message says what, for people."""


class PayloadMalformed(ValueError):
    """The body cannot be an event at all (not JSON, or no delivery id): nothing is stored."""


@dataclass(frozen=True)
class Identity:
    """Who a delivery is, known before its payload is interpreted (for deduplication)."""

    event_type: str
    delivery_id: str


@dataclass(frozen=True)
class DeploymentRecord:
    external_id: str
    environment: str
    is_production: bool
    status: str  # success | failure | error | in_progress
    finished_at: dt.datetime
    started_at: dt.datetime | None = None
    commit_sha: str = ""
    ref: str = ""
    remediation_kind: str = ""
    remediates_ref: str = ""  # the deployment id, incident id or commit it remediates


@dataclass(frozen=True)
class ChangeRecord:
    commit_sha: str
    first_commit_at: dt.datetime
    merged_at: dt.datetime
    pull_request: int | None = None
    remediation_kind: str = ""
    reverts_ref: str = ""  # "#123" (a pull or merge request) or the commit a revert reverts


@dataclass(frozen=True)
class IncidentRecord:
    external_id: str
    opened_at: dt.datetime
    title: str = ""
    resolved_at: dt.datetime | None = None
    cause_ref: str = ""  # a deployment id or commit the event names as the cause


Record = DeploymentRecord | ChangeRecord | IncidentRecord


@dataclass(frozen=True)
class Normalised:
    """One delivery read: the record it yields, or why it yields none."""

    service_ref: str = ""  # the provider's name for the service, resolved through ServiceAlias
    record: Record | None = None
    ignored: str = ""  # why there is no record (event type or action we do not use)
    # The files a change touched, when the event lists them (pushes do): in a monorepo they
    # decide which services the change belongs to (monorepo.py). None: not listed.
    files: tuple[str, ...] | None = None
    # The service key a deployment names inside a monorepo (GitHub's deployment payload
    # `{"service": "checkout"}`): the repository alone cannot say which service it deploys.
    names_service: str = ""
    # A GitLab deployment's environment folders (`production/checkout`): inside a monorepo, the
    # one segment that is a service's key names the service. () when the name has no "/".
    environment_folders: tuple[str, ...] = ()

    @classmethod
    def ignore(cls, reason: str) -> Normalised:
        return cls(ignored=reason)


# --- reading payload values ---------------------------------------------------------------------


def field(data: Any, *path: str) -> Any:
    """data[path[0]][path[1]]..., or None when any step is missing or not an object."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def items(data: Any, *path: str) -> list[Any]:
    """A list in the payload (empty when absent); anything else there is an error."""
    value = field(data, *path)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadInvalid(f"{'.'.join(path)} must be a list")
    return value


def text(data: Any, *path: str) -> str:
    value = field(data, *path)
    if value is None:
        return ""
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise PayloadInvalid(f"{'.'.join(path)} must be a string")


def required_text(data: Any, *path: str) -> str:
    value = text(data, *path)
    if not value:
        raise PayloadInvalid(f"{'.'.join(path)} is missing")
    return value


def optional_integer(data: Any, *path: str) -> int | None:
    value = field(data, *path)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PayloadInvalid(f"{'.'.join(path)} must be a whole number")
    try:
        number = int(value)
    except ValueError as exc:
        raise PayloadInvalid(f"{'.'.join(path)} must be a whole number") from exc
    if not 0 <= number < 2**31:  # the database's integer column
        raise PayloadInvalid(f"{'.'.join(path)} is out of range")
    return number


_GITLAB_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(UTC|Z|[+-]\d{2}:?\d{2})?$"
)


def parse_time(value: Any, name: str) -> dt.datetime:
    """An aware UTC datetime from ISO 8601, GitLab's "2021-04-28 21:50:00 +0200" or
    "2013-12-03 17:23:34 UTC", or Unix seconds. A time without an offset is taken as UTC,
    which is what every provider here means by it."""
    if isinstance(value, bool) or value is None or value == "":
        raise PayloadInvalid(f"{name} is missing")
    if isinstance(value, int | float):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise PayloadInvalid(f"{name}: {value!r} is not a time") from exc
    if not isinstance(value, str):
        raise PayloadInvalid(f"{name}: {value!r} is not a time")
    candidate = value.strip()
    match = _GITLAB_TIME.match(candidate)
    if match:
        date, clock, offset = match.groups()
        if offset in (None, "UTC", "Z"):
            offset = "+00:00"
        candidate = f"{date}T{clock}{offset}"
    try:
        moment = dt.datetime.fromisoformat(candidate.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PayloadInvalid(f"{name}: {value!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError as exc:
        raise PayloadInvalid(f"{name}: {value!r} is out of range") from exc


def optional_time(value: Any, name: str) -> dt.datetime | None:
    if value is None or value == "":
        return None
    return parse_time(value, name)


def is_production_environment(name: str, flag: Any = None) -> bool:
    """Production is what the provider flags as such, or an environment named production/prod."""
    if flag is True:
        return True
    return name.strip().lower() in PRODUCTION_NAMES


# --- remediation: unplanned work done to fix production -----------------------------------------

# Strongest last: a deployment that is both a hotfix and a rollback counts as a rollback.
REMEDIATION_ORDER = ("", "hotfix", "revert", "rollback")

# Markers are read narrowly, since a false "hotfix" counts against a team's rework rate: a
# message must start with the word ("Hotfix: ...", "[rollback] ...", 'Revert "..."', GitHub's
# revert button), a branch or task must have it as a whole segment ("hotfix/cart",
# "revert-42-feature", "deploy:rollback"), a label must be the word itself ("type: hotfix").
_KINDS = r"(?P<hotfix>hot[-_ ]?fix)|(?P<rollback>roll[-_ ]?back)|(?P<revert>revert)"
_MESSAGE = re.compile(rf"^\s*[\[(]?\s*(?:{_KINDS})(?![a-z])", re.IGNORECASE)
_SEGMENT = re.compile(rf"(?:^|[/:])(?:{_KINDS})(?:[-_/:.]|$)", re.IGNORECASE)
_LABEL = re.compile(rf"(?<![a-z])(?:{_KINDS})(?![a-z])", re.IGNORECASE)


def _kind(pattern: re.Pattern[str], value: str) -> str:
    match = pattern.search(value)
    if match is None:
        return ""
    return next(kind for kind, found in match.groupdict().items() if found)


def strongest_remediation(*kinds: str) -> str:
    best = ""
    for kind in kinds:
        if kind in REMEDIATION_ORDER and REMEDIATION_ORDER.index(kind) > REMEDIATION_ORDER.index(
            best
        ):
            best = kind
    return best


def remediation_kind(
    *,
    messages: tuple[str, ...] = (),
    refs: tuple[str, ...] = (),
    labels: tuple[str, ...] = (),
) -> str:
    """hotfix, revert or rollback when a commit message, branch/ref or label says so, else ""."""
    found = [_kind(_LABEL, label) for label in labels]
    found += [
        _kind(_SEGMENT, ref.removeprefix("refs/heads/").removeprefix("refs/tags/")) for ref in refs
    ]
    for message in messages:
        lines = message.strip().splitlines()
        if lines:
            found.append(_kind(_MESSAGE, lines[0]))
    return strongest_remediation(*found)


# What a revert names. GitHub's revert button writes "Reverts acme/checkout#123" in the pull
# request's body; `git revert` (and GitHub's and GitLab's buttons) write "This reverts commit
# <sha>." in the commit message; GitLab's revert button writes "This reverts merge request !123"
# in the merge request's description. A revert of another repository's request names nothing
# here: its deployment is not this service's.
_REVERTS_REQUEST = re.compile(
    r"^\s*(?:Reverts\s+(?P<repo>[\w.-]+/[\w./-]+)?#|This reverts merge request\s+!)(?P<n>\d+)\b",
    re.IGNORECASE | re.MULTILINE,
)
_REVERTS_COMMIT = re.compile(
    r"^\s*This reverts commit\s+(?P<sha>[0-9a-f]{7,40})\b", re.IGNORECASE | re.MULTILINE
)


def reverted_ref(*, descriptions: tuple[str, ...] = (), repository: str = "") -> str:
    """What a revert names as reverted: "#123" for a pull or merge request of `repository`,
    else the reverted commit's sha, else ""."""
    for description in descriptions:
        for match in _REVERTS_REQUEST.finditer(description):
            repo = match.group("repo")
            if repo is None or not repository or repo.lower() == repository.lower():
                return f"#{match.group('n')}"
    for description in descriptions:
        reverted = _REVERTS_COMMIT.search(description)
        if reverted:
            return reverted.group("sha").lower()
    return ""


# --- merging repeated reports of one deployment, change or incident ------------------------------

FINAL_STATUSES = ("success", "failure", "error")


def status_rank(status: str, finished_at: dt.datetime) -> tuple[int, dt.datetime, str]:
    """Order of a deployment's status reports: a final status beats in_progress whatever their
    times; among equals the later one wins; the name breaks exact ties so the winner never
    depends on arrival order."""
    return (1 if status in FINAL_STATUSES else 0, finished_at, status)


def supersedes(new: DeploymentRecord, status: str, finished_at: dt.datetime) -> bool:
    """Whether `new` replaces a stored deployment currently at (status, finished_at)."""
    return status_rank(new.status, new.finished_at) > status_rank(status, finished_at)


_Known = TypeVar("_Known", dt.datetime, int)


def _of_known(
    a: _Known | None, b: _Known | None, pick: Callable[[_Known, _Known], _Known]
) -> _Known | None:
    """Two reports of one value: the known one, or `pick` of the two when both are known."""
    if a is None:
        return b
    if b is None:
        return a
    return pick(a, b)


def earliest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return _of_known(a, b, min)


def latest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return _of_known(a, b, max)


def first_known(a: int | None, b: int | None) -> int | None:
    return _of_known(a, b, min)


def preferred_text(a: str, b: str) -> str:
    """Two reports of one title or reference: the non-empty one, or the greater (deterministic)."""
    if not a:
        return b
    if not b:
        return a
    return max(a, b)


# --- which deployment shipped a change, which caused an incident --------------------------------


@dataclass(frozen=True)
class DeploymentFact:
    """A successful production deployment as the attribution rules see it."""

    key: str  # a stable tie-breaker: the deployment's external id
    finished_at: dt.datetime


def shipping_deployment(
    merged_at: dt.datetime, deployments: list[DeploymentFact]
) -> DeploymentFact | None:
    """The first successful production deployment that finished at or after the change landed."""
    candidates = [d for d in deployments if d.finished_at >= merged_at]
    return min(candidates, key=lambda d: (d.finished_at, d.key), default=None)


def suspect_deployment(
    opened_at: dt.datetime, deployments: list[DeploymentFact], window: dt.timedelta
) -> DeploymentFact | None:
    """The latest successful production deployment that finished before the incident opened,
    no longer ago than `window`."""
    candidates = [d for d in deployments if opened_at - window <= d.finished_at < opened_at]
    return max(candidates, key=lambda d: (d.finished_at, d.key), default=None)
