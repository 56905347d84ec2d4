"""An embedded database already migrated, for tests of served processes that are not about a
fresh install: migrating a new SQLite file takes about ten seconds, copying one takes none.

The migrated file is made once per test process, in its own data dir (tests/isolation.py), by the
installed command as an admin would run it. Tests of what a new install does (tests/test_running.py
`test_serve_on_a_fresh_data_dir`) keep starting from nothing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.services import HANG_SECONDS

DATABASE = "okrs.sqlite3"  # the embedded database's name in a data dir (okrs/config.py)


def env_of(data_dir: Path) -> dict[str, str]:
    """The environment of a process on the embedded default with this data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKRS_")}
    env["OKRS_DATA_DIR"] = str(data_dir)
    return env


@functools.cache
def _migrated() -> Path:
    data_dir = Path(os.environ["OKRS_DATA_DIR"]) / "migrated"
    subprocess.run(
        [sys.executable, "-m", "okrs", "migrate"],
        env=env_of(data_dir),
        check=True,
        capture_output=True,
        timeout=HANG_SECONDS,
    )
    return data_dir / DATABASE


def migrated(data_dir: Path) -> Path:
    """Put a copy of a migrated embedded database in data_dir (made if need be); data_dir."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(_migrated())) as source,
        contextlib.closing(sqlite3.connect(data_dir / DATABASE)) as copy,
    ):
        source.backup(copy)
    return data_dir
