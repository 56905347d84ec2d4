"""The audit log: every write says who made it, through which channel, and what changed."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.db import models, transaction

from okrs.org.models import AuditEntry, Person, Team


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


def row_snapshot(row: models.Model) -> dict[str, Any]:
    """What the audit log keeps of a row: its fields, and a team's members by email."""
    data = snapshot(row)
    if isinstance(row, Team) and row.pk is not None:
        # A fresh query: a prefetched member list would be the one from before the write.
        members = Person.objects.filter(teams=row).values_list("email", flat=True)
        data["members"] = sorted(email.lower() for email in members)
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


@dataclass
class Write:
    """One write made for an AuditBatch, in the order made; `before` is None for a creation."""

    action: str
    entity: str
    ref: str
    before: dict[str, Any] | None


@dataclass
class _Entry:
    action: str
    before: dict[str, Any] | None
    row: models.Model | None  # None once deleted


class AuditBatch:
    """The audit log of a run of writes that stands or falls together (`okrs apply`).

    Each row gets one entry, written by `record` when the run ends: the row as it was before the
    run first wrote it, and as the run leaves it, so a file that changes a row in two steps
    (its fields, then its alignment) shows as one change. A row changed and changed back has no
    entry. The service functions that take `audit=` write into it instead of the log; without
    one each write is its own entry at once.

    A write the run may not make (a frozen cycle) is noted in `refused` rather than raised, so
    the caller can report every one of them and roll the run back; `record` refuses to write
    while any is noted.
    """

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.writes: list[Write] = []
        self.refused: dict[tuple[str, str], Exception] = {}
        self._entries: dict[tuple[str, str], _Entry] = {}

    def written(
        self, entity: str, ref: str, before: dict[str, Any] | None, row: models.Model
    ) -> None:
        """`row` was created (`before` None) or updated from `before`."""
        action = "create" if before is None else "update"
        self.writes.append(Write(action, entity, ref, before))
        existing = self._entries.get((entity, ref))
        if existing is None or existing.row is None:
            self._entries[(entity, ref)] = _Entry(action, before, row)

    def deleted(self, entity: str, ref: str, before: dict[str, Any]) -> None:
        self.writes.append(Write("delete", entity, ref, before))
        self._entries[(entity, ref)] = _Entry("delete", before, None)

    def refuse(self, entity: str, ref: str, error: Exception) -> None:
        """Note that the write to `ref` may not be made; the first reason per row is kept."""
        self.refused.setdefault((entity, ref), error)

    def record(self) -> list[AuditEntry]:
        if self.refused:
            raise next(iter(self.refused.values()))
        entries = []
        for (entity, ref), entry in self._entries.items():
            after = None
            if entry.row is not None:
                entry.row.refresh_from_db()
                after = row_snapshot(entry.row)
                if entry.action == "update" and after == entry.before:
                    continue  # changed, then changed back within the run
            entries.append(
                record(
                    self.actor,
                    action=entry.action,
                    entity=entity,
                    ref=ref,
                    before=entry.before,
                    after=after,
                )
            )
        return entries


def record_write(
    actor: Actor,
    entity: str,
    ref: str,
    before: dict[str, Any] | None,
    row: models.Model,
    audit: AuditBatch | None = None,
) -> None:
    """The entry for `row`, created (`before` None) or saved from `before`; into `audit` when
    given, else at once. A save that changed nothing leaves no entry."""
    if audit is not None:
        audit.written(entity, ref, before, row)
        return
    row.refresh_from_db()
    after = row_snapshot(row)
    if before == after:
        return
    action = "create" if before is None else "update"
    record(actor, action=action, entity=entity, ref=ref, before=before, after=after)


def delete_recorded(
    actor: Actor, entity: str, ref: str, row: models.Model, audit: AuditBatch | None = None
) -> None:
    """Delete `row`, with its entry into `audit` when given, else at once."""
    before = row_snapshot(row)
    row.delete()
    if audit is not None:
        audit.deleted(entity, ref, before)
        return
    record(actor, action="delete", entity=entity, ref=ref, before=before, after=None)


P = ParamSpec("P")
R = TypeVar("R")


def atomic_write(function: Callable[P, R]) -> Callable[P, R]:
    """A service function's transaction, or a savepoint within the caller's; not even that
    within an audit batch's run, which stands or falls whole (its caller rolls everything back
    on an error), so a run of many writes costs no savepoint round trip per write."""

    @functools.wraps(function)
    def atomic(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(savepoint=kwargs.get("audit") is None):
            return function(*args, **kwargs)

    return atomic
