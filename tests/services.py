"""Real services the tests use: PostgreSQL, Redis, Chromium. Skipped locally, required in CI."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

IN_CI = os.environ.get("CI") == "true"


def require(name: str, available: bool, why: str) -> None:
    """Skip when a real component is missing locally; under CI=true a missing one fails."""
    if available:
        return
    message = f"{name}: {why}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_service(name: str, host: str, port: int) -> None:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        require(name, False, f"not reachable on {host}:{port}")


# Where test workers keep their queue: databases 1-15 of the local Redis (0 is the default of a
# developer's own okrs).
REDIS = "redis://127.0.0.1:6379"
_HELD = "okrs-tests:held-by"


@contextmanager
def redis_database_of_its_own() -> Iterator[str]:
    """The URL of a Redis database that no other test uses while this one runs.

    Two suites on one machine (CI jobs, several checkouts) must never share a queue: a worker of
    one would take the other's tasks and run them against its own database, and the other's
    work would never be done. A database is taken only when it is empty, with a key set only if
    absent (so two takers cannot both win); it is emptied again afterwards.
    """
    import redis

    require_service("Redis", "127.0.0.1", 6379)
    holder = f"{socket.gethostname()}:{os.getpid()}"
    # The suite's own queue (make test-postgres) takes the tasks its tests enqueue.
    suites = os.environ.get("OKRS_QUEUE_URL", "")
    for number in range(1, 16):
        if suites.rstrip("/").endswith(f":6379/{number}"):
            continue
        client = redis.Redis.from_url(f"{REDIS}/{number}")
        if client.dbsize() or not client.set(_HELD, holder, nx=True, ex=3600):
            continue
        if client.dbsize() != 1:  # someone who does not ask first is using it
            client.delete(_HELD)
            continue
        try:
            yield f"{REDIS}/{number}"
        finally:
            client.flushdb()
        return
    require("Redis", False, "every database 1-15 is in use by other tests")
