"""Monorepos: a service that is a repository plus path prefixes (`acme/mono:services/checkout/`).

Pure: no ORM here. An alias of that form says that the files under the prefix belong to the
service; a change (a push) belongs to every service whose prefix one of its files falls under,
and to none when it touches no prefix. A deployment names its own service (services.py): a
GitHub deployment in its payload, a GitLab one in a segment of its environment's folders
(`production/checkout`).

Paths are compared as git stores them, case-sensitively; the repository part of the alias is
compared as the provider compares names (case-insensitively for GitHub, GitLab, generic).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from okrs.metrics.delivery.ingest.normalise import PayloadInvalid, is_production_environment

SEPARATOR = ":"
# PagerDuty names services by id: there is no repository and no path to split.
PROVIDERS_WITH_PATHS = frozenset({"github", "gitlab", "generic"})


class PrefixInvalid(ValueError):
    """A `repo:prefix` alias that cannot be used; the message says why."""


@dataclass(frozen=True)
class PathAlias:
    repository: str  # as the provider names it ("acme/mono")
    prefix: str  # a directory, ending in "/" ("services/checkout/")


def split_alias(external: str) -> PathAlias | None:
    """`acme/mono:services/checkout/` as its repository and prefix; None for a plain name.

    The prefix is a directory: a trailing "/" is added when missing, so that `services/cart`
    does not also claim `services/cart-v2/`. A leading "/" or "./" is dropped (git paths are
    relative to the repository's root)."""
    if SEPARATOR not in external:
        return None
    repository, _, prefix = external.partition(SEPARATOR)
    repository = repository.strip()
    prefix = prefix.strip()
    while prefix.startswith(("./", "/")):
        prefix = prefix.removeprefix(".").removeprefix("/")
    if not repository:
        raise PrefixInvalid(f"{external!r}: the repository before ':' is missing")
    if not prefix:
        raise PrefixInvalid(
            f"{external!r}: the path after ':' is missing "
            "(for example acme/mono:services/checkout/)"
        )
    if ".." in prefix.split("/"):
        raise PrefixInvalid(f"{external!r}: a path prefix cannot contain '..'")
    if not prefix.endswith("/"):
        prefix += "/"
    return PathAlias(repository, prefix)


def alias_text(alias: PathAlias) -> str:
    return f"{alias.repository}{SEPARATOR}{alias.prefix}"


def services_touched(files: Iterable[str], prefixes: Iterable[tuple[str, int]]) -> list[int]:
    """The services (ids, ascending) whose prefix holds one of the files; [] when none does."""
    paths = [path.lstrip("/") for path in files]
    return sorted(
        {service for prefix, service in prefixes if any(p.startswith(prefix) for p in paths)}
    )


def changed_files(commits: Iterable[Any]) -> tuple[str, ...] | None:
    """The files a push's commits added, modified or removed (GitHub and GitLab both list them
    per commit), or None when no commit lists any of them (a payload cut down by a proxy, say):
    then nobody knows which services the push touched."""
    listed = False
    files: set[str] = set()
    for commit in commits:
        if not isinstance(commit, dict):
            continue
        for key in ("added", "modified", "removed"):
            value = commit.get(key)
            if value is None:
                continue
            if not isinstance(value, list):
                raise PayloadInvalid(f"commits[].{key} must be a list of paths")
            listed = True
            files.update(path for path in value if isinstance(path, str) and path)
    return tuple(sorted(files)) if listed else None


def environment_folders(environment: str) -> tuple[str, ...]:
    """GitLab's environment folders: `production/checkout` as ("production", "checkout").

    () for a name without a "/": a plain `production` names no service, and a project that is
    not a monorepo then costs no question about its paths."""
    if "/" not in environment:
        return ()
    return tuple(segment.strip() for segment in environment.split("/"))


@dataclass(frozen=True)
class EnvironmentService:
    """Which service a deployment's environment folders name, and what the rest says."""

    key: str | None  # the one service named; None when none or several are
    named: tuple[str, ...]  # the segments that are service keys, as written
    rest_is_production: bool  # the environment without its service: `checkout/production`


def service_in_environment(folders: Iterable[str], keys: Iterable[str]) -> EnvironmentService:
    """The service whose key is exactly one segment of the folders (compared without case,
    like every name a provider sends); none when no segment or more than one is a key."""
    known = {key.lower() for key in keys}
    segments = list(folders)
    named = [i for i, segment in enumerate(segments) if segment.lower() in known]
    if len(named) != 1:
        return EnvironmentService(None, tuple(segments[i] for i in named), False)
    rest = "/".join(s for i, s in enumerate(segments) if i != named[0])
    return EnvironmentService(
        segments[named[0]].lower(), (segments[named[0]],), is_production_environment(rest)
    )
