"""Real services the tests use: PostgreSQL, Redis, Chromium. Skipped locally, required in CI."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest

IN_CI = os.environ.get("CI") == "true"

# After this long, a process or a request that should have finished is taken to hang. Only a
# guard against a run that never ends, never what a test measures: a machine whose cores are
# all busy (CI beside other jobs, parallel test workers) takes minutes where an idle one takes
# seconds, and a correct test must pass there too.
HANG_SECONDS = 600


def require(name: str, available: bool, why: str) -> None:
    """Skip when a real component is missing locally; under CI=true a missing one fails."""
    if available:
        return
    message = f"{name}: {why}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


# The marker a test needing each service carries: `make test` deselects them, so that it gives
# the same result whether or not PostgreSQL and Redis run on the machine; `make test-postgres`
# runs them (docs/testing.md).
MARKERS = {"PostgreSQL": "postgres", "Redis": "redis"}
_running: list[pytest.Item] = []  # the test being run, set by tests/isolation.py


def require_service(name: str, host: str, port: int) -> None:
    marker = MARKERS.get(name)
    if marker and _running and _running[-1].get_closest_marker(marker) is None:
        pytest.fail(
            f"this test needs {name}: mark it @pytest.mark.{marker}, so that `make test` "
            "leaves it to `make test-postgres`"
        )
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        require(name, False, f"not reachable on {host}:{port}")


# Where test workers keep their queue: databases 1-15 of the local Redis (0 is the default of a
# developer's own okrs).
REDIS = "redis://127.0.0.1:6379"
_HELD = "okrs-tests:held-by"
_HOLDER = f"{socket.gethostname()}:{os.getpid()}"
_CLAIM_SECONDS = 3600


def _server_of(url: str) -> tuple[str, int | None]:
    """A Redis URL without its database, and the database number if it names one."""
    parts = urlsplit(url)
    number = parts.path.strip("/")
    return urlunsplit(parts._replace(path="")), int(number) if number.isdigit() else None


def claim_redis_database(server: str = REDIS) -> str | None:
    """The URL of a database 1-15 of `server` taken for this process, or None if all are taken.

    Two suites on one machine (CI jobs, several checkouts, pytest-xdist workers) must never
    share a queue: a worker of one would take the other's tasks and run them against its own
    database, and the other's work would never be done. A database is taken only when it is
    empty, with a key set only if absent (so two takers cannot both win). The database of the
    suite's own queue (OKRS_QUEUE_URL) is never taken.
    """
    import redis

    base, _ = _server_of(server)
    _, suites = _server_of(os.environ.get("OKRS_QUEUE_URL", ""))
    for number in range(1, 16):
        if number == suites:
            continue
        client = redis.Redis.from_url(f"{base}/{number}")
        if client.dbsize() or not client.set(_HELD, _HOLDER, nx=True, ex=_CLAIM_SECONDS):
            continue
        if client.dbsize() != 1:  # someone who does not ask first is using it
            client.delete(_HELD)
            continue
        return f"{base}/{number}"
    return None


def hold_again(url: str) -> None:
    """Take back the claim on a database this process holds after a test emptied it.

    Emptying the cache (Redis FLUSHDB) drops the claim key with everything else; without it,
    the empty database would look free to the next taker.
    """
    import redis

    client = redis.Redis.from_url(url)
    if not client.set(_HELD, _HOLDER, nx=True, ex=_CLAIM_SECONDS):
        client.expire(_HELD, _CLAIM_SECONDS)


def release_redis_database(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


@contextmanager
def redis_database_of_its_own() -> Iterator[str]:
    """The URL of a Redis database that no other test uses while this one runs."""
    require_service("Redis", "127.0.0.1", 6379)
    url = claim_redis_database()
    if url is None:
        require("Redis", False, "every database 1-15 is in use by other tests")
        return
    try:
        yield url
    finally:
        release_redis_database(url)
