"""Moving the sync state out of the key result keeps every bound key result's state."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("goals", "0005_evaluation_generation"), ("sources", "0002_credential_site")]
AFTER = [("goals", "0006_sync_state_moved_to_sources")]
WHEN = dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_state_of_a_bound_key_result_is_copied_to_its_sync_state() -> None:
    old = migrate(BEFORE)
    person = old.get_model("org", "Person").objects.create(email="ana@example.com", name="Ana")
    team = old.get_model("org", "Team").objects.create(key="core", name="Core")
    cycle = old.get_model("goals", "Cycle").objects.create(
        key="q4", name="Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31)
    )
    objective = old.get_model("goals", "Objective").objects.create(
        cycle=cycle, key="grow", title="Grow", team=team, owner=person
    )
    KeyResult = old.get_model("goals", "KeyResult")
    bound = KeyResult.objects.create(
        objective=objective,
        key="signups",
        title="Signups",
        owner=person,
        kind="increase",
        source={"kind": "http_json"},
        last_synced_at=WHEN,
        next_sync_at=WHEN + dt.timedelta(hours=1),
        sync_failures=2,
        sync_flagged=True,
        sync_fingerprint="abc",
        last_sync_error="HTTP 503",
    )
    KeyResult.objects.create(
        objective=objective, key="manual", title="Manual", owner=person, kind="increase"
    )

    new = migrate(AFTER)
    [state] = new.get_model("sources", "SyncState").objects.all()
    assert state.key_result_id == bound.pk
    assert (state.last_synced_at, state.next_sync_at) == (WHEN, WHEN + dt.timedelta(hours=1))
    assert (state.failures, state.flagged, state.fingerprint) == (2, True, "abc")
    assert (state.last_error, state.running_since) == ("HTTP 503", None)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # the schema the other tests expect
