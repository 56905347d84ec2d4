"""The registry of metric-source backends: each declares its parameters and fetches one number.

A key result's `source` (in the YAML and the web editor) is a mapping with `kind` naming the
backend and the backend's parameters. Parameters marked `secret` are never shown in a page, an
API answer, an export or the audit log. Adding a backend means one module with a `SourceBackend`
subclass decorated with `@register` (docs/metrics.md has the checklist).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

REGISTRY: dict[str, type[SourceBackend]] = {}

# Modules that register backends when imported; okrs.sources.apps imports them at start-up.
BACKEND_MODULES: list[str] = []


class SourceError(Exception):
    """A fetch failed. Temporary failures are retried with backoff; permanent ones (bad
    query, revoked credentials, missing metric) flag the key result until its source changes."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Param:
    name: str
    help: str
    required: bool = True
    secret: bool = False
    default: Any = None


class SourceBackend:
    """Base class: subclasses set `kind` and `params` and implement `fetch`."""

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def fetch(self, *, now: dt.datetime) -> float:
        raise NotImplementedError


def register(backend: type[SourceBackend]) -> type[SourceBackend]:
    if not backend.kind:
        raise ValueError(f"{backend.__name__} has no kind")
    REGISTRY[backend.kind] = backend
    return backend
