"""SQL: a read-only query returning one number, against PostgreSQL or SQLite.

Read-only is enforced by the database, not by looking at the query text: PostgreSQL runs it in
a `READ ONLY` transaction on a session whose default is read-only too (so not even a COMMIT
inside the query could open a writable one), with `statement_timeout`, and refuses a role that
is a superuser or may run programs or touch files on the database server (those step outside
any transaction: `COPY ... TO PROGRAM`). SQLite opens the file with `mode=ro` and `query_only`,
an authorizer allows nothing but reading (no ATTACH, no VACUUM INTO, no PRAGMA: each would
create or change files before a read-only check), and a progress handler interrupts a query
that runs past the timeout. Give the source a database role that can only read, all the same.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import sqlite3
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from okrs.metrics.sources.registry import ConfigProblem, Param, SourceBackend, SourceError, register

SCHEMES = ("postgresql", "postgres", "sqlite")
# How often (in SQLite virtual machine instructions) the progress handler looks at the clock.
_SQLITE_CHECK_EVERY = 10_000
# What a SQLite query may do: read tables and call functions. WITH RECURSIVE only reads too.
_SQLITE_ALLOWED = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)
# Roles that can reach outside a read-only transaction (run programs, write server files).
_DANGEROUS_PG_ROLES = ("pg_execute_server_program", "pg_write_server_files", "pg_read_server_files")


@register
class SqlSource(SourceBackend):
    kind = "sql"
    label = "SQL query (PostgreSQL or SQLite, read-only)"
    params = (
        Param(
            "database_url",
            "postgresql://user:password@host/db or sqlite:///path/to/file.db",
            secret=True,
            label="Database URL",
        ),
        Param("query", "one SELECT giving one row with one number"),
        Param(
            "timeout",
            "seconds before the query is cut off",
            required=False,
            default=10,
            type="number",
        ),
    )

    @classmethod
    def check(cls, values: Mapping[str, Any]) -> list[ConfigProblem]:
        timeout = values.get("timeout", 10)
        if not 0 < timeout <= 300:
            return [ConfigProblem("timeout", "'timeout' must be between 0 and 300 seconds")]
        return []

    def fetch(self, *, now: dt.datetime) -> float:
        url = str(self.config["database_url"])
        query = str(self.config["query"])
        timeout = float(self.config.get("timeout") or 10)
        scheme = urlsplit(url).scheme
        if scheme in ("postgresql", "postgres"):
            rows = _postgresql(url, query, timeout, _whose(self.config))
        elif scheme == "sqlite":
            rows = _sqlite(url, query, timeout)
        else:
            raise SourceError(
                f"database URLs starting {scheme}:// are not supported (use postgresql:// or "
                "sqlite:///)",
                permanent=True,
            )
        return one_number(rows)


def one_number(rows: list[tuple[Any, ...]]) -> float:
    if not rows:
        raise SourceError("the query returned no row (no data yet); retrying", permanent=False)
    if len(rows) > 1 or len(rows[0]) != 1:
        raise SourceError(
            f"the query returned {len(rows)} row(s) of {len(rows[0])} column(s): it must give "
            "one row with one number",
            permanent=True,
        )
    value = rows[0][0]
    if value is None:
        # sum() over no rows is NULL: no data yet, not a broken query.
        raise SourceError("the query returned NULL (no data yet); retrying", permanent=False)
    if isinstance(value, bool) or not isinstance(value, int | float | decimal.Decimal):
        raise SourceError(
            f"the query returned {type(value).__name__}, not a number", permanent=True
        )
    number = float(value)
    if not math.isfinite(number):
        raise SourceError(f"the query returned {number}, not a finite number", permanent=True)
    return number


def _whose(config: Mapping[str, Any]) -> str:
    """Which database, for messages: the credential's name, never the URL's host or user."""
    credential = config.get("credential")
    return f"the database of credential '{credential}'" if credential else "the database"


def _postgresql(url: str, query: str, timeout: float, whose: str) -> list[tuple[Any, ...]]:
    import psycopg
    from psycopg import errors

    millis = max(1, int(timeout * 1000))
    try:
        connection = psycopg.connect(
            url,
            connect_timeout=max(1, math.ceil(timeout)),
            options=f"-c default_transaction_read_only=on -c statement_timeout={millis}",
            autocommit=False,
        )
    except psycopg.OperationalError as exc:
        text = str(exc)
        permanent = "authentication" in text or "does not exist" in text
        # PostgreSQL's words name the host, the port and the user: not for the key-result page.
        reason = " (credentials refused or no such database)" if permanent else ""
        raise SourceError(f"could not connect to {whose}{reason}", permanent=permanent) from None
    except (psycopg.ProgrammingError, ValueError) as exc:
        raise SourceError(
            f"the database URL is not usable: {type(exc).__name__}", permanent=True
        ) from None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
            _refuse_powerful_role(cursor)
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", (str(millis),))
            # A prepared statement (the extended protocol) holds exactly one statement: no
            # `SELECT 1; COMMIT; ...` sneaking a second one in.
            cursor.execute(query, None, prepare=True)
            if cursor.description is None:
                raise SourceError("the query returns no rows: use a SELECT", permanent=True)
            return [tuple(row) for row in cursor.fetchall()]
    except SourceError:
        raise
    except errors.QueryCanceled:
        raise SourceError(
            f"the query was cut off after {timeout:g} s (statement_timeout)", permanent=False
        ) from None
    except errors.ReadOnlySqlTransaction:
        raise SourceError(
            "the query tried to write: sources are read-only", permanent=True
        ) from None
    except (
        errors.SyntaxError,
        errors.UndefinedTable,
        errors.UndefinedColumn,
        errors.UndefinedFunction,
        errors.InsufficientPrivilege,
    ) as exc:
        raise SourceError(f"the query failed: {exc.diag.message_primary}", permanent=True) from None
    except psycopg.OperationalError as exc:
        raise SourceError(f"PostgreSQL failed: {type(exc).__name__}", permanent=False) from None
    except psycopg.Error as exc:
        # Other errors (a failed cast, a division by zero...) may quote a value read from the
        # database: only their kind and SQLSTATE are shown.
        code = f" (SQLSTATE {exc.sqlstate})" if exc.sqlstate else ""
        raise SourceError(f"the query failed: {type(exc).__name__}{code}", permanent=True) from None
    finally:
        connection.rollback()
        connection.close()


def _refuse_powerful_role(cursor: Any) -> None:
    """A superuser, or a role that may run programs or touch files on the server, could step
    outside the read-only transaction (COPY ... TO PROGRAM): refuse to run any query as one."""
    checks = ", ".join("pg_has_role(current_user, %s, 'MEMBER')" for _ in _DANGEROUS_PG_ROLES)
    cursor.execute(
        f"SELECT rolsuper, {checks} FROM pg_roles WHERE rolname = current_user",  # noqa: S608
        _DANGEROUS_PG_ROLES,
    )
    row = cursor.fetchone()
    if row is None:
        return
    if row[0]:
        raise SourceError(
            "the database role is a superuser: give the source a role that can only read",
            permanent=True,
        )
    for role, member in zip(_DANGEROUS_PG_ROLES, row[1:], strict=True):
        if member:
            raise SourceError(
                f"the database role is a member of {role}: give the source a role that can "
                "only read",
                permanent=True,
            )


def _sqlite(url: str, query: str, timeout: float) -> list[tuple[Any, ...]]:
    parts = urlsplit(url)
    # sqlite:///relative.db and sqlite:////absolute/path.db, as SQLAlchemy and Django write them.
    path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
    if not path:
        raise SourceError("the sqlite:/// URL names no file", permanent=True)
    if "?" in path or "#" in path or parts.query or parts.fragment:
        # A '?' would start SQLite's own URI parameters (mode=rwc) after our mode=ro.
        raise SourceError(
            "the sqlite:/// URL must name a file only: no '?', '#' or parameters",
            permanent=True,
        )
    try:
        connection = sqlite3.connect(
            f"file:{quote(path, safe='/')}?mode=ro",
            uri=True,
            timeout=timeout,
            check_same_thread=False,
        )
    except sqlite3.OperationalError as exc:
        raise SourceError(f"cannot open the SQLite file: {exc}", permanent=True) from None
    deadline = time.monotonic() + timeout

    def past_deadline() -> int:
        return 1 if time.monotonic() > deadline else 0

    def only_reading(action: int, *args: Any) -> int:
        return sqlite3.SQLITE_OK if action in _SQLITE_ALLOWED else sqlite3.SQLITE_DENY

    connection.set_progress_handler(past_deadline, _SQLITE_CHECK_EVERY)
    try:
        connection.execute("PRAGMA query_only = ON")
        # Judged while the query is prepared, before any of it runs: ATTACH and VACUUM INTO
        # would create their file first and fail on read-only only afterwards.
        connection.set_authorizer(only_reading)
        cursor = connection.execute(query)
        if cursor.description is None:
            raise SourceError("the query returns no rows: use a SELECT", permanent=True)
        return [tuple(row) for row in cursor.fetchall()]
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        if "not authorized" in text or "authorization denied" in text:
            # The authorizer's refusal, while the statement was prepared: nothing ran.
            raise SourceError(
                "the query tried to write or to do more than read (ATTACH, PRAGMA, VACUUM "
                "INTO...): sources are read-only",
                permanent=True,
            ) from None
        if not isinstance(exc, sqlite3.OperationalError):
            raise SourceError(f"the query failed: {text}", permanent=True) from None
        if "interrupted" in text:
            raise SourceError(
                f"the query was cut off after {timeout:g} s", permanent=False
            ) from None
        if "locked" in text or "busy" in text:
            raise SourceError(f"the database is busy: {text}", permanent=False) from None
        if "readonly" in text or "read-only" in text or "query_only" in text:
            raise SourceError(
                "the query tried to write: sources are read-only", permanent=True
            ) from None
        raise SourceError(f"the query failed: {text}", permanent=True) from None
    except (sqlite3.Warning, ValueError) as exc:
        raise SourceError(f"the query failed: {exc}", permanent=True) from None
    finally:
        connection.close()
