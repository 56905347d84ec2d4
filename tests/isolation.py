"""What each test process keeps to itself: a data dir, and on Redis a database of its own.

Loaded as a plugin (`-p tests.isolation` in pyproject's addopts) so that it runs before
pytest-django imports okrs.settings, which reads OKRS_DATA_DIR and OKRS_QUEUE_URL once. Every
process of a run (the only one, or each pytest-xdist worker) gets:

- a data dir of its own, so the file cache (failed sign-ins are counted there), the embedded
  queue, the secret key and static files are never shared with another worker, nor with a
  developer's own `var/` (a queued task would otherwise be run by their `okrs serve`);
- when the suite runs on Redis (`make test-postgres`), a Redis database of its own for its queue
  and cache: a test that empties the cache would otherwise empty another worker's, and tasks
  queued by one worker would sit in the other's queue.

The test database needs nothing here: pytest-django names it per worker (`test_<name>_gw0`, ...)
and SQLite's is in memory. Commands the tests start inherit the environment, so they use the
same data dir unless a test gives them one of their own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import redis

from tests import services
from tests.services import claim_redis_database, hold_again, release_redis_database

_resources = ExitStack()


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _is_xdist_controller(config: pytest.Config) -> bool:
    """The process that hands tests to workers and runs none itself."""
    workers = getattr(config.known_args_namespace, "numprocesses", None)
    return bool(workers) and "PYTEST_XDIST_WORKER" not in os.environ


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # tryfirst: before pytest-django's implementation of this hook imports the settings.
    data_dir = tempfile.mkdtemp(prefix=f"okrs-tests-{_worker()}-")
    _resources.callback(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["OKRS_DATA_DIR"] = data_dir
    queue = os.environ.get("OKRS_QUEUE_URL", "")
    if queue.startswith(("redis://", "rediss://")) and not _is_xdist_controller(early_config):
        try:
            own = claim_redis_database(queue)
        except redis.RedisError as error:
            raise pytest.UsageError(f"OKRS_QUEUE_URL={queue}: {error}") from error
        if own is None:
            raise pytest.UsageError(f"OKRS_QUEUE_URL={queue}: every database 1-15 is in use")
        _resources.callback(release_redis_database, own)
        os.environ["OKRS_QUEUE_URL"] = own


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    services._running.append(item)
    try:
        return (yield)
    finally:
        services._running.remove(item)


@pytest.fixture(autouse=True)
def _queue_still_held() -> Iterator[None]:
    yield
    queue = os.environ.get("OKRS_QUEUE_URL", "")
    if queue.startswith(("redis://", "rediss://")):
        hold_again(queue)


def pytest_unconfigure(config: pytest.Config) -> None:
    _resources.close()
