"""The audit log: every write says who made it, through which channel, and what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

from okrs.org.models import AuditEntry, Person


@dataclass(frozen=True)
class Actor:
    """Who is writing: a person (or nobody, for the system) and the channel they came through.

    `trusted` marks writers who already hold the keys to the server (the command line, the
    system's own tasks): they act on behalf of anyone, so role checks do not apply to them.
    """

    person: Person | None
    channel: str
    trusted: bool = False

    @property
    def label(self) -> str:
        return self.person.email if self.person else f"system ({self.channel})"


# Field name -> what of its value the log may keep, registered by the room that owns the
# field (a key result's `source`: okrs/metrics/sources/apps.py): credentials never enter it.
REDACTED_FIELDS: dict[str, Callable[[Any], Any]] = {}


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The instance's own field values as JSON-ready data (foreign keys by id)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        name = field.attname
        if fields is not None and field.name not in fields and name not in fields:
            continue
        if name in ("password", "digest", "last_login"):
            continue  # never copy secrets or noise into the log
        value = getattr(instance, name)
        if name in REDACTED_FIELDS and isinstance(value, dict):
            value = REDACTED_FIELDS[name](value)
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        data[name] = value
    return data


def record(
    actor: Actor,
    *,
    action: str,
    entity: str,
    ref: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor.person,
        channel=actor.channel,
        action=action,
        entity=entity,
        ref=ref,
        before=before,
        after=after,
    )
