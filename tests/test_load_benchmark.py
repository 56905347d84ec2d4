"""The load benchmark (okrs.bench.load) in its smallest form: real processes, a few users.

Counts only, never times: every request answered as expected, and one stored check-in for
each check-in answered 2xx.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from okrs.bench.load import RunResult, Scenario, compare_checkins, run_scenario
from okrs.bench.loadgen import Outcome
from tests.services import redis_database_of_its_own, require_service


def smallest(mode: str, tmp_path: Path, **changes: object) -> Scenario:
    # Bounded by the count of requests, not by time: a busy machine answers the same 40
    # requests more slowly, and each may take long (the time limits are only for a hang).
    scenario = Scenario(
        mode=mode, org="demo", users=3, seconds=3600, max_requests=40, timeout=600,
        logs=tmp_path / "logs", after_seconds=1,
    )  # fmt: skip
    return replace(scenario, **changes)  # type: ignore[arg-type]


def assert_every_request_answered_and_every_checkin_stored_once(result: RunResult) -> None:
    assert result.setup_error is None
    assert 0 < result.requests <= result.scenario.max_requests
    assert result.errors == 0, (result.errors_by_status, result.failures, result.log_errors)
    assert result.checkins is not None
    assert result.checkins.answered > 0
    assert result.checkins.stored == result.checkins.answered
    assert result.checkins.ok


def test_the_embedded_server_stores_each_checkin_it_answers(tmp_path: Path) -> None:
    result = run_scenario(smallest("embedded", tmp_path), progress=lambda _: None)
    assert_every_request_answered_and_every_checkin_stored_once(result)
    assert result.connections is not None and result.connections.peak is not None


@pytest.mark.postgres
@pytest.mark.redis
def test_two_web_processes_store_each_checkin_they_answer(tmp_path: Path) -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    with redis_database_of_its_own() as queue:
        scenario = smallest(
            "scaled",
            tmp_path,
            postgres_url="postgresql://postgres@127.0.0.1:5432/postgres",
            redis_url=queue,
        )
        result = run_scenario(scenario, progress=lambda _: None)
    assert_every_request_answered_and_every_checkin_stored_once(result)
    # The load went to both web processes, round-robin.
    assert set(result.by_process) == {"web1", "web2"}
    assert abs(result.by_process["web1"] - result.by_process["web2"]) <= scenario.users
    assert result.connections is not None and result.connections.peak


def checkin(note: str, status: int | None) -> Outcome:
    return Outcome("check-in", 0, 1.0, status, 201, None if status else "timeout", note)


def test_a_lost_or_doubled_checkin_fails_the_count() -> None:
    answers = [checkin("load 1", 201), checkin("load 2", 201), checkin("load 3", None)]
    assert compare_checkins(answers, {"load 1": 1, "load 2": 1}).ok
    lost = compare_checkins(answers, {"load 1": 1})
    assert (lost.ok, lost.lost, lost.stored, lost.answered) == (False, 1, 1, 2)
    doubled = compare_checkins(answers, {"load 1": 2, "load 2": 1})
    assert (doubled.ok, doubled.doubled) == (False, 1)
    # A request that timed out but was stored makes the counts differ too: it is reported.
    unanswered = compare_checkins(answers, {"load 1": 1, "load 2": 1, "load 3": 1})
    assert (unanswered.ok, unanswered.without_answer) == (False, 1)
