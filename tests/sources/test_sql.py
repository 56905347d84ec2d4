"""The sql source against real databases: SQLite files and the PostgreSQL server.

Read-only is the database's doing (a read-only transaction and session, SQLite's mode=ro), so
a write is refused whatever the query looks like; a slow query is cut by the timeout.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from okrs.goals.checkins.models import CheckIn
from okrs.metrics.sources.backends.sql import SqlSource
from okrs.metrics.sources.registry import SourceError
from okrs.metrics.sources.sync import sync_key_result
from tests.conftest import NOW
from tests.services import require_service
from tests.sources.conftest import bind, fresh, store_credential

NOW_ = dt.datetime(2026, 11, 16, 12, tzinfo=dt.UTC)
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# Counting to a billion takes SQLite minutes: far past any timeout below.
ENDLESS_SQLITE = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
    "SELECT count(*) FROM n"
)


def fetch(url: str, query: str, timeout: float = 10) -> float:
    return SqlSource({"database_url": url, "query": query, "timeout": timeout}).fetch(now=NOW_)


def failure(url: str, query: str, timeout: float = 10) -> SourceError:
    with pytest.raises(SourceError) as caught:
        fetch(url, query, timeout)
    return caught.value


# --- SQLite ----------------------------------------------------------------------------------


@pytest.fixture
def warehouse(tmp_path: Path) -> str:
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, amount REAL)")
        connection.executemany("INSERT INTO orders (amount) VALUES (?)", [(10.5,), (20,), (12,)])
    return f"sqlite:///{path}"


def rows_in(url: str) -> int:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        return int(connection.execute("SELECT count(*) FROM orders").fetchone()[0])


def test_sqlite_query_gives_its_number(warehouse: str) -> None:
    assert fetch(warehouse, "SELECT sum(amount) FROM orders") == 42.5


@pytest.mark.parametrize(
    "write",
    [
        "INSERT INTO orders (amount) VALUES (1) RETURNING id",
        "UPDATE orders SET amount = 0 RETURNING id",
        "DELETE FROM orders RETURNING id",
        "DROP TABLE orders",
    ],
)
def test_sqlite_refuses_every_write(warehouse: str, write: str) -> None:
    error = failure(warehouse, write)
    assert error.permanent and "tried to write" in str(error)
    assert rows_in(warehouse) == 3
    assert fetch(warehouse, "SELECT sum(amount) FROM orders") == 42.5


def test_sqlite_slow_query_is_cut_by_the_timeout(warehouse: str) -> None:
    error = failure(warehouse, ENDLESS_SQLITE, timeout=0.2)
    assert not error.permanent and "cut off after 0.2 s" in str(error)


def test_sqlite_answers_of_the_wrong_shape(warehouse: str) -> None:
    many = failure(warehouse, "SELECT amount FROM orders")
    assert many.permanent and "3 row(s) of 1 column(s)" in str(many)
    empty = failure(warehouse, "SELECT sum(amount) FROM orders WHERE amount > 100")
    assert not empty.permanent and "NULL" in str(empty)
    text = failure(warehouse, "SELECT 'lots'")
    assert text.permanent and "str, not a number" in str(text)
    typo = failure(warehouse, "SELECT sum(amount) FROM order_lines")
    assert typo.permanent and "no such table: order_lines" in str(typo)


def test_a_missing_sqlite_file_is_permanent_and_is_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nope.db'}"
    assert failure(url, "SELECT 1").permanent
    assert not (tmp_path / "nope.db").exists()


def test_a_sql_key_result_syncs_through_an_encrypted_credential(world, warehouse, clock) -> None:
    store_credential("warehouse", "sql", database_url=warehouse)
    kr = bind(
        world.conversion,
        kind="sql",
        credential="warehouse",
        query="SELECT sum(amount) / 10 FROM orders",
    )
    outcome = sync_key_result(key_result=fresh(kr), now=NOW)
    assert outcome.status == "recorded"
    assert CheckIn.objects.get(key_result=kr, source="sync").value == 4.25


def test_a_database_url_from_the_environment(world, warehouse, clock, monkeypatch) -> None:
    monkeypatch.setenv("TEST_WAREHOUSE", warehouse)
    kr = bind(
        world.conversion,
        kind="sql",
        database_url="env:TEST_WAREHOUSE",
        query="SELECT count(*) FROM orders",
    )
    assert sync_key_result(key_result=fresh(kr), now=NOW).value == 3


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture
def pg_table() -> Iterator[tuple[str, str]]:
    """A table on the real PostgreSQL server, in a database of this test's own, read through a
    role of its own that is no superuser (sources refuse superusers). The role may write the
    table: what stops a write below is the read-only transaction, not a missing grant."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    name = f"okrs_sources_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    role = f"{name}_reader"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
        connection.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'reader-pw'")
    owner_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        with psycopg.connect(owner_url, autocommit=True) as connection:
            connection.execute("CREATE TABLE revenue (day date, amount numeric(12, 2))")
            connection.execute(
                "INSERT INTO revenue VALUES ('2026-11-01', 1200.50), ('2026-11-02', 799.50)"
            )
            connection.execute(f'GRANT ALL ON revenue TO "{role}"')
        yield f"postgresql://{role}:reader-pw@127.0.0.1:5432/{name}", "revenue"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'DROP ROLE IF EXISTS "{role}"')


def pg_total(url: str) -> float:
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT sum(amount) FROM revenue").fetchone()
        assert row is not None
        return float(row[0])


@pytest.mark.postgres
def test_postgresql_query_gives_its_number(pg_table) -> None:
    url, _ = pg_table
    assert fetch(url, "SELECT sum(amount) FROM revenue") == 2000.0


@pytest.mark.postgres
@pytest.mark.parametrize(
    "write",
    [
        "INSERT INTO revenue VALUES ('2026-11-03', 1) RETURNING 1",
        "WITH gone AS (DELETE FROM revenue RETURNING 1) SELECT count(*) FROM gone",
        "UPDATE revenue SET amount = 0 RETURNING 1",
        "SELECT 1; COMMIT; DELETE FROM revenue",
    ],
)
def test_postgresql_refuses_every_write(pg_table, write: str) -> None:
    url, _ = pg_table
    error = failure(url, write)
    assert error.permanent
    assert pg_total(url) == 2000.0


@pytest.mark.postgres
def test_postgresql_runs_one_statement_only(pg_table) -> None:
    url, _ = pg_table
    error = failure(url, "SELECT 1; SELECT 2")
    assert error.permanent and "multiple commands" in str(error)


@pytest.mark.postgres
def test_postgresql_slow_query_is_cut_by_the_statement_timeout(pg_table) -> None:
    url, _ = pg_table
    error = failure(url, "SELECT pg_sleep(30)::text::int", timeout=0.3)
    assert not error.permanent and "statement_timeout" in str(error)


@pytest.mark.postgres
def test_postgresql_bad_query_and_bad_password(pg_table) -> None:
    url, _ = pg_table
    typo = failure(url, "SELECT sum(amount) FROM revenu")
    assert typo.permanent and 'relation "revenu" does not exist' in str(typo)
    missing = failure(url.rsplit("/", 1)[0] + "/okrs_no_such_database", "SELECT 1")
    assert missing.permanent and str(missing).startswith("could not connect to the database")
    # PostgreSQL's own message names the host and the user: the page never does.
    assert "127.0.0.1" not in str(missing) and "_reader" not in str(missing)
