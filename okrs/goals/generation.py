"""Generation tokens: how every process learns, with one query, that a write changed scores.

The evaluation cache (okrs.goals.evaluation) keeps each cycle's plan and check-ins in the
memory of a process. It may reuse them only while nothing they were read from has changed,
in this process or any other: the web processes, the worker, `okrs checkin` from a shell.
Database triggers make that hold whatever writes: on every insert, delete or truncate of the
tables an evaluation reads, and on every update of the columns it reads, they set a token in
`goals_evaluationgeneration` to a value never used before, in the writer's own transaction.
A reader compares the tokens with those its cache was built from; a committed write is visible
to it exactly when the new token is, and a rolled-back one leaves a token nobody reuses.

Triggers rather than signals or calls in services, because `bulk_create`, `QuerySet.update`,
cascades run by the database and other programs send no signal and call no service.

Tokens are unique rather than counted up: a counter rolled back with its transaction would be
counted up again by the next write, and a process that had cached what the first transaction
saw would take it for the second's. PostgreSQL draws them from a sequence (never rolled back),
SQLite from its 64-bit random().

The trigger names carry a digest of the columns they watch, so a process whose code reads a
column the installed triggers do not watch (code deployed, `okrs migrate` not yet run) finds
its triggers missing and evaluates without the cache instead of serving stale scores.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

log = logging.getLogger(__name__)

TABLE = "goals_evaluationgeneration"
PREFIX = "okrs_eval_"
SEQUENCE = "okrs_eval_token"


def watched() -> list[tuple[type[Model], str, tuple[str, ...] | None]]:
    """(model, token, fields) for every table an evaluation reads; None: every column.

    The field lists are the ones `evaluate_cycle` loads, so reading one more field there
    makes the triggers watch it too (after the next `okrs migrate`).
    """
    from okrs.goals import evaluation
    from okrs.goals.checkins.models import CheckIn
    from okrs.goals.models import KeyResult, Objective
    from okrs.org.models import Person, Team

    return [
        (Objective, "plan", ("id", *evaluation.OBJECTIVE_FIELDS)),
        # The source too: the plan reads only whether there is one (evaluation.HAS_SOURCE).
        (KeyResult, "plan", ("id", *evaluation.KEY_RESULT_FIELDS, "source")),
        (Team, "plan", ("id", *evaluation.TEAM_FIELDS)),
        (Person, "plan", ("id", *evaluation.PERSON_FIELDS)),
        (CheckIn, "checkins", None),
    ]


def _columns(model: type[Model], fields: tuple[str, ...] | None) -> list[str] | None:
    if fields is None:
        return None
    columns = set()
    for name in fields:
        field = model._meta.get_field(name)
        assert isinstance(field, Field)
        columns.add(field.column)
    return sorted(columns)


def _trigger_name(table: str, event: str, columns: list[str] | None) -> str:
    digest = hashlib.sha256(",".join(columns or ["*"]).encode()).hexdigest()[:8]
    return f"{PREFIX}{table}_{event}_{digest}"


def _triggers() -> list[tuple[str, str, str, str, list[str] | None]]:
    """(name, table, token, event, columns) of every trigger that must exist."""
    found = []
    for model, token, fields in watched():
        table = model._meta.db_table
        columns = _columns(model, fields)
        # A new person owns nothing yet, and people are never deleted while they own
        # something (PROTECT): only an owner's changed name or email can change an answer.
        events = (
            ("update",) if model._meta.model_name == "person" else ("insert", "delete", "update")
        )
        for event in events:
            found.append((_trigger_name(table, event, columns), table, token, event, columns))
    return found


def install(connection: BaseDatabaseWrapper) -> None:
    """Create (or replace) the triggers and the row of tokens; idempotent.

    Run after every `migrate` and `flush` (post_migrate), because SQLite's schema editor
    rebuilds a table to alter it, which drops that table's triggers.
    """
    if connection.vendor not in ("postgresql", "sqlite"):
        return
    with connection.cursor() as cursor:
        for name, table in _installed(connection):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}" + _on(connection, table))
        if connection.vendor == "postgresql":
            _install_postgresql(cursor)
        else:
            _install_sqlite(cursor)
        cursor.execute(
            f"INSERT INTO {TABLE} (id, plan, checkins) SELECT 1, {_new(connection)}, "  # noqa: S608
            f"{_new(connection)} WHERE NOT EXISTS (SELECT 1 FROM {TABLE} WHERE id = 1)"
        )


def _new(connection: BaseDatabaseWrapper) -> str:
    return f"nextval('{SEQUENCE}')" if connection.vendor == "postgresql" else "random()"


def _on(connection: BaseDatabaseWrapper, table: str) -> str:
    return f" ON {table}" if connection.vendor == "postgresql" else ""


def _install_postgresql(cursor: Any) -> None:
    cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
    for token in ("plan", "checkins"):
        cursor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {PREFIX}new_{token}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {TABLE} (id, plan, checkins)
                VALUES (1, nextval('{SEQUENCE}'), nextval('{SEQUENCE}'))
                ON CONFLICT (id) DO UPDATE SET {token} = EXCLUDED.{token};
                RETURN NULL;
            END $$
            """  # noqa: S608 (our own names only)
        )
    for name, table, token, event, columns in _triggers():
        # Once per statement, not per row: a bulk insert of a quarter's check-ins replaces
        # the token once. Truncation (flush) fires no delete trigger, so it has its own.
        if event == "update":
            what = "UPDATE" if columns is None else "UPDATE OF " + ", ".join(_quoted(columns))
        elif event == "insert":
            what = "INSERT"
        else:
            what = "DELETE OR TRUNCATE"
        cursor.execute(
            f"CREATE TRIGGER {name} AFTER {what} ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}new_{token}()"
        )


def _install_sqlite(cursor: Any) -> None:
    for name, table, token, event, columns in _triggers():
        what = event.upper()
        if event == "update" and columns is not None:
            what += " OF " + ", ".join(_quoted(columns))
        # SQLite has no statement triggers: this runs per row, a few microseconds each. The
        # insert, not an upsert, so that no conflict clause of the outer statement applies.
        cursor.execute(
            f"""
            CREATE TRIGGER {name} AFTER {what} ON {table} BEGIN
                UPDATE {TABLE} SET {token} = random() WHERE id = 1;
                INSERT INTO {TABLE} (id, plan, checkins) SELECT 1, random(), random()
                WHERE NOT EXISTS (SELECT 1 FROM {TABLE} WHERE id = 1);
            END
            """  # noqa: S608 (our own names only)
        )


def _quoted(columns: Iterable[str]) -> list[str]:
    return [f'"{column}"' for column in columns]


def _installed(connection: BaseDatabaseWrapper) -> list[tuple[str, str]]:
    """(name, table) of the triggers of ours that exist."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE %s AND pg_table_is_visible(c.oid)",
                [PREFIX + "%"],
            )
        else:
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [PREFIX + "%"],
            )
        return [(str(name), str(table)) for name, table in cursor.fetchall()]


def installed(connection: BaseDatabaseWrapper) -> bool:
    """Whether every trigger the current code needs exists (checked once per process)."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return False
    present = {name for name, _ in _installed(connection)}
    return all(name in present for name, *_ in _triggers())


def tokens(connection: BaseDatabaseWrapper) -> tuple[int, int] | None:
    """(plan, checkins) as this connection sees them now; None without the row."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT plan, checkins FROM {TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else None


def install_after_migrate(using: str = "default", **_: Any) -> None:
    """post_migrate receiver: (re)install on the database just migrated or flushed."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if TABLE not in tables or any(m._meta.db_table not in tables for m, *_ in watched()):
        return  # migrated only part of the way: wait for the tables to exist
    install(connection)
