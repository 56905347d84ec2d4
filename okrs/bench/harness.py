"""What the benchmarks' parent processes share: a worker subprocess per database, the table
they print and the JSON report they write.

Django reads its settings once per process from OKRS_DATABASE_URL and OKRS_DATA_DIR, so
okrs.bench.run and okrs.bench.dora start a worker (`--worker NAME`) per database with an
environment that points at a fresh data dir (SQLite) or the benchmark's PostgreSQL database,
and read back the JSON the worker writes to its result file. A worker refuses to run on any
other database than the one the parent expected: anything else is someone's real data.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

Report = dict[str, Any]


@dataclass
class DatabaseRuns:
    """What the parent's loop over the databases gathered: each one's report, or why not."""

    reports: dict[str, Report] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: bool = False

    def print_skipped(self) -> None:
        for name, reason in self.skipped.items():
            print(f"{name}: skipped ({reason})")


def each_database(
    names: str,
    *,
    choices: Sequence[str],
    prefix: str,
    postgres_url: str,
    run: Callable[[str, dict[str, str], Path], Report | None],
    postgres_env: Mapping[str, str] | None = None,
) -> DatabaseRuns | None:
    """Run `run(name, env, data_dir)` for each comma-separated database name, in a fresh data
    dir removed afterwards. PostgreSQL is skipped with a note when `postgres_url` cannot be
    reached, else it runs there with `postgres_env` added. None: a name is not in `choices`
    (said on stderr)."""
    outcome = DatabaseRuns()
    for name in (n.strip() for n in names.split(",")):
        if name not in choices:
            print(f"unknown database {name!r}; choose from {', '.join(choices)}", file=sys.stderr)
            return None
        data_dir = Path(tempfile.mkdtemp(prefix=f"{prefix}-{name}-"))
        try:
            env = worker_env(data_dir)
            if name == "postgresql":
                problem = ensure_postgres_database(postgres_url)
                if problem is not None:
                    print(f"skipping postgresql: {postgres_url} unreachable ({problem})")
                    outcome.skipped[name] = problem
                    continue
                env["OKRS_DATABASE_URL"] = postgres_url
                env.update(postgres_env or {})
            report = run(name, env, data_dir)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
        if report is None:
            outcome.skipped[name] = "the benchmark failed, see the output above"
            outcome.failed = True
            continue
        outcome.reports[name] = report
    return outcome


def worker_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            # Empty means the embedded default in the data dir. A URL from the caller's
            # environment would point the benchmark at their real data, and an empty value
            # (unlike a missing one) is not filled in from a .env file.
            "OKRS_DATABASE_URL": "",
            "OKRS_QUEUE_URL": "",
            "DJANGO_SETTINGS_MODULE": "okrs.settings",
            "OKRS_DATA_DIR": str(data_dir),
            "OKRS_DEBUG": "false",  # DEBUG keeps every query in memory and slows each one down
            "OKRS_BASE_URL": "http://testserver",
            "OKRS_ALLOWED_HOSTS": "testserver",
            "OKRS_LOG_LEVEL": "WARNING",
        }
    )
    return env


def expected_database(env: dict[str, str], data_dir: Path) -> str:
    """The database NAME the worker must end up on; anything else is someone's real data."""
    url = env.get("OKRS_DATABASE_URL")
    if url:
        return unquote(urlsplit(url).path.lstrip("/"))
    return str(data_dir.resolve() / "okrs.sqlite3")


def ensure_postgres_database(url: str) -> str | None:
    """Create the benchmark database when missing; returns why PostgreSQL is unusable, or None."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name:
        return "the URL names no database"
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, connect_timeout=3, autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if found is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    """The options by which the parent tells a worker which database it runs and where its
    report goes: internal, left out of --help."""
    parser.add_argument("--worker", metavar="DATABASE", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", help=argparse.SUPPRESS)
    parser.add_argument("--expect-database", help=argparse.SUPPRESS)


def run_worker(
    module: str,
    name: str,
    *,
    env: dict[str, str],
    data_dir: Path,
    sizes: Report,
    arguments: Sequence[str],
    timeout: int,
) -> Report | None:
    """Run `python -m module` as the worker of database `name` with its own `arguments`: its
    report, or None when it failed or ran out of time (said on stderr)."""
    result_file = data_dir / "result.json"
    command = [
        sys.executable, "-m", module, "--worker", name,
        "--result-file", str(result_file), "--sizes", json.dumps(sizes),
        "--expect-database", expected_database(env, data_dir),
        *arguments,
    ]  # fmt: skip
    try:
        completed = subprocess.run(command, env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        print(f"{name}: gave up after {timeout} s", file=sys.stderr)
        return None
    if completed.returncode != 0 or not result_file.exists():
        print(f"{name}: the worker exited with status {completed.returncode}", file=sys.stderr)
        return None
    report: Report = json.loads(result_file.read_text())
    return report


def open_worker_database(name: str, expected: str | None) -> str | None:
    """In the worker: Django set up, its database checked and migrated. The database's NAME,
    or None when it is not the one the parent expected (said on stderr)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okrs.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    actual = str(connection.settings_dict["NAME"])
    if expected and actual != expected:
        print(f"{name}: configured for {actual}, not {expected}", file=sys.stderr)
        return None
    call_command("migrate", interactive=False, verbosity=0)
    return actual


def write_report(output: str, document: Report) -> None:
    """The benchmark's JSON at `output` (its folder created), and where it went."""
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {path}")


def aligned_table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int) -> list[str]:
    """Aligned columns: the first `left` to the left, numbers to the right."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines
