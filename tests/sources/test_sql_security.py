"""The sql source's read-only promise under attack: SQLite URI parameters smuggled into the
path, ATTACH / VACUUM INTO / PRAGMA (each creates or changes a file before a read-only check),
PostgreSQL roles that can step outside a read-only transaction, and error messages that would
show a host, a user or a value read from the database."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from okrs.metrics.sources.backends.sql import SqlSource
from okrs.metrics.sources.registry import SourceError
from okrs.metrics.sources.sync import sync_key_result
from tests.conftest import NOW
from tests.services import require_service
from tests.sources.conftest import bind, fresh, store_credential

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def failure(url: str, query: str) -> SourceError:
    with pytest.raises(SourceError) as caught:
        SqlSource({"database_url": url, "query": query, "timeout": 5}).fetch(now=NOW)
    return caught.value


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, amount REAL)")
        connection.execute("INSERT INTO orders (amount) VALUES (10)")
    connection.close()
    return path


def files_in(directory: Path) -> set[str]:
    return {path.name for path in directory.iterdir()}


@pytest.mark.parametrize(
    "suffix",
    [
        "%3Fmode=rwc%26x=",  # ?mode=rwc&x=  : would open read-write and create the file
        "%3Fmode=rwc",
        "%23fragment",
        "?mode=rwc",
    ],
)
def test_sqlite_uri_parameters_in_the_path_are_refused(tmp_path: Path, suffix: str) -> None:
    error = failure(f"sqlite:///{tmp_path / 'new.db'}{suffix}", "CREATE TABLE t (x)")
    assert error.permanent and "no '?', '#' or parameters" in str(error)
    assert files_in(tmp_path) == set()


def test_a_sqlite_path_with_uri_characters_is_quoted_not_read_as_parameters(
    tmp_path: Path,
) -> None:
    """A '%' in a file name is a file name, not an escape of SQLite's URI syntax."""
    path = tmp_path / "odd%20name.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
        connection.execute("INSERT INTO t VALUES (7)")
    connection.close()
    url = "sqlite:///" + str(path).replace("%", "%25")
    assert (
        SqlSource({"database_url": url, "query": "SELECT x FROM t", "timeout": 5}).fetch(now=NOW)
        == 7.0
    )
    assert files_in(tmp_path) == {"odd%20name.db"}


@pytest.mark.parametrize(
    "query",
    [
        "ATTACH DATABASE '{dir}/attached.db' AS a",
        "VACUUM INTO '{dir}/copy.db'",
        "PRAGMA query_only = OFF",
        "PRAGMA journal_mode = WAL",
        "SELECT * FROM pragma_table_info('orders')",
    ],
)
def test_sqlite_allows_nothing_but_reading(warehouse: Path, query: str) -> None:
    before = files_in(warehouse.parent)
    error = failure(f"sqlite:///{warehouse}", query.format(dir=warehouse.parent))
    assert error.permanent and "sources are read-only" in str(error)
    assert files_in(warehouse.parent) == before  # no file created, none changed to WAL


def test_sqlite_still_reads_with_functions_and_recursion(warehouse: Path) -> None:
    query = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) "
        "SELECT (SELECT round(sum(amount)) FROM orders) + (SELECT sum(i) FROM n)"
    )
    url = f"sqlite:///{warehouse}"
    assert SqlSource({"database_url": url, "query": query, "timeout": 5}).fetch(now=NOW) == 16.0


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture
def pg_database() -> Iterator[tuple[str, str]]:
    """A database of this test's own with a table of secrets, and a role name for the test."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    name = f"okrs_srcsec_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    role = f"{name}_role"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
        connection.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'role-pw'")
    try:
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True
        ) as connection:
            connection.execute("CREATE TABLE notes (body text)")
            connection.execute("INSERT INTO notes VALUES ('hunter2-the-secret-note')")
            connection.execute(f'GRANT SELECT ON notes TO "{role}"')
        yield name, role
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.mark.postgres
def test_postgresql_refuses_a_superuser(pg_database) -> None:
    name, _ = pg_database
    error = failure(f"postgresql://postgres@127.0.0.1:5432/{name}", "SELECT 1")
    assert error.permanent and "superuser" in str(error)


@pytest.mark.postgres
def test_postgresql_refuses_a_role_that_may_run_server_programs(pg_database) -> None:
    import psycopg

    name, role = pg_database
    url = f"postgresql://{role}:role-pw@127.0.0.1:5432/{name}"
    assert SqlSource({"database_url": url, "query": "SELECT 1", "timeout": 5}).fetch(now=NOW) == 1
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'GRANT pg_execute_server_program TO "{role}"')
    error = failure(url, "SELECT 1")
    assert error.permanent and "pg_execute_server_program" in str(error)


@pytest.mark.postgres
def test_postgresql_errors_do_not_quote_the_data(pg_database) -> None:
    name, role = pg_database
    url = f"postgresql://{role}:role-pw@127.0.0.1:5432/{name}"
    error = failure(url, "SELECT body::int FROM notes")
    assert error.permanent and "SQLSTATE 22P02" in str(error)
    assert "hunter2" not in str(error)


@pytest.mark.postgres
def test_a_connection_failure_names_the_credential_not_the_host_or_user(
    world, pg_database, clock
) -> None:
    name, role = pg_database
    # (The local server trusts its clients: a database that does not exist fails instead.)
    store_credential(
        "warehouse", "sql", database_url=f"postgresql://{role}:pw@127.0.0.1:5432/{name}_gone"
    )
    kr = bind(world.conversion, kind="sql", credential="warehouse", query="SELECT 1")
    outcome = sync_key_result(key_result=fresh(kr), now=NOW)
    assert outcome.status == "flagged"
    assert outcome.message.startswith("could not connect to the database of credential 'warehouse'")
    assert "127.0.0.1" not in outcome.message and role not in outcome.message
