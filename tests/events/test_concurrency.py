"""Deliveries that race: two copies of one delivery, two events that create the same change.

Real concurrency needs a database with row locks and concurrent writers: PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from okrs.delivery.ingest.services import ingest
from okrs.delivery.models import Change, RawEvent, Service, WebhookSecret
from tests.events.conftest import SECRETS, encode, generic_headers


@pytest.fixture
def postgres(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        # Not a missing component: the suite's PostgreSQL pass (make test-postgres) runs these.
        pytest.skip("concurrent writers need PostgreSQL: runs in make test-postgres")
    WebhookSecret.objects.create(provider="generic", secret=SECRETS["generic"])
    Service.objects.create(key="checkout", name="Checkout")


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
        thread.join(timeout=30)
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
