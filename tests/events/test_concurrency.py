"""Deliveries that race: two copies of one delivery, two events that create the same change.

Real concurrency needs a database with row locks and concurrent writers: PostgreSQL. On the
suite's PostgreSQL pass (make test-postgres) the races run here directly. On the SQLite pass,
`test_the_races_run_on_postgresql` runs this file again on a PostgreSQL database of its own, so
every pass runs them: locally it is skipped, with the reason, when no PostgreSQL server is
reachable, and under CI=true that is a failure (tests/services.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from okrs.metrics.delivery.ingest.services import ingest
from okrs.metrics.delivery.models import Change, RawEvent, Service, WebhookSecret
from tests.events.conftest import SECRETS, encode, generic_headers
from tests.services import HANG_SECONDS, require_service

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
# The tests below that race: the SQLite pass checks that each of them ran and passed.
RACES = {
    "test_copies_of_one_delivery_racing_store_it_once",
    "test_two_deliveries_of_the_same_change_racing_make_one_change",
}


@pytest.fixture
def postgres(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        # Not a missing component: test_the_races_run_on_postgresql runs them on PostgreSQL.
        pytest.skip("the suite is on SQLite: test_the_races_run_on_postgresql runs these")
    WebhookSecret.objects.create(provider="generic", secret=SECRETS["generic"])
    Service.objects.create(key="checkout", name="Checkout")


@pytest.mark.postgres
def test_the_races_run_on_postgresql(tmp_path: Path) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("the suite is on PostgreSQL: the races ran directly in this pass")
    require_service("PostgreSQL", "127.0.0.1", 5432)
    # pytest-django creates test_<name> on the server and drops it at the end.
    name = f"okrs_events_race_{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKRS_")}
    env.update(
        OKRS_DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{name}",
        OKRS_DATA_DIR=str(tmp_path / "data"),
        OKRS_LOG_LEVEL="ERROR",
    )
    command = [sys.executable, "-m", "pytest", __file__, "-p", "no:cacheprovider", "-rA"]
    command += ["-k", "not test_the_races_run_on_postgresql", "--create-db"]
    result = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=HANG_SECONDS
    )

    assert result.returncode == 0, result.stdout + result.stderr
    # Every race ran against PostgreSQL, none was skipped.
    passed = set(re.findall(r"^PASSED \S+::(test_\w+)", result.stdout, re.MULTILINE))
    assert passed == RACES, result.stdout


def race(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs at the same moment, each in its own thread and database connection."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[index] = job()
        except Exception as exc:  # reported to the test, which fails on it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=HANG_SECONDS)
    return results


def send(payload: dict[str, Any]) -> Callable[[], Any]:
    body = encode(payload)
    headers = generic_headers(body, SECRETS["generic"])
    return lambda: ingest(provider="generic", headers=headers, body=body).outcome


CHANGE = {
    "type": "change",
    "service": "checkout",
    "commit": "4c1f0d9e",
    "first_commit_at": "2026-11-16T08:00:00Z",
}


def test_copies_of_one_delivery_racing_store_it_once(postgres):
    outcomes = race([send(dict(CHANGE, id="same"))] * 4)

    assert sorted(outcomes) == ["duplicate", "duplicate", "duplicate", "normalised"]
    assert (RawEvent.objects.count(), Change.objects.count()) == (1, 1)


def test_two_deliveries_of_the_same_change_racing_make_one_change(postgres):
    early = dict(CHANGE, id="pr-merged", first_commit_at="2026-11-15T08:00:00Z")
    outcomes = race([send(dict(CHANGE, id="push")), send(early)])

    assert outcomes == ["normalised", "normalised"]
    assert RawEvent.objects.count() == 2
    change = Change.objects.get()
    assert change.first_commit_at.isoformat() == "2026-11-15T08:00:00+00:00"
