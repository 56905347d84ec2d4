"""Exactly once on PostgreSQL: racing worker processes, a worker killed after its claim, 429s.

Each worker is a process of its own with its own connection to a database of this test, and
sends to the fake Slack Web API in this process; the fake counts what really arrived.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.slack import FakeSlack
from tests.services import HANG_SECONDS, require_service

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "tests.nudges.pg_worker"]
MONDAY = "2026-11-16T10:05:00+00:00"
OWNERS = 40


@pytest.fixture
def race(tmp_path: Path) -> Iterator[tuple[dict[str, str], FakeSlack]]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    name = f"okrs_nudges_race_{os.getpid()}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    with FakeSlack() as slack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OKRS_")}
        env.update(
            OKRS_DATA_DIR=str(tmp_path / "data"),
            OKRS_DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{name}",
            OKRS_SECRET_KEY="one-key-for-every-worker-of-this-test",
            OKRS_SLACK_API_URL=slack.url,
            OKRS_LOG_LEVEL="ERROR",
        )
        run(env, sys.executable, "-m", "okrs", "migrate")
        run(env, *WORKER, "setup", str(OWNERS), slack.bot_token, slack.team_id)
        for i in range(OWNERS):
            slack.add_user(f"U{i:04d}", f"p{i}@race.test")
        try:
            yield env, slack
        finally:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=HANG_SECONDS
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def delivered(slack: FakeSlack) -> Counter[str]:
    return Counter(
        call.params["channel"]
        for call in slack.calls_to("chat.postMessage")
        if call.status == 200 and call.error is None
    )


def rows(env: dict[str, str]) -> Counter[str]:
    import psycopg

    with psycopg.connect(env["OKRS_DATABASE_URL"]) as connection:
        states = connection.execute("SELECT state FROM nudges_nudge").fetchall()
    return Counter(state for (state,) in states)


def test_two_racing_workers_under_a_rate_limit_send_each_nudge_once(race) -> None:
    env, slack = race
    # Slack's rate limit for chat.postMessage, counted in calls so that it is met however busy
    # the machine is: every 16th call is refused with 429, and the workers must come back later.
    slack.rate_limit("chat.postMessage", 15)
    workers = [
        subprocess.Popen([*WORKER, "send", f"w{n}", MONDAY, str(HANG_SECONDS)], env=env, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(2)
    ]  # fmt: skip
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=2 * HANG_SECONDS)
        assert worker.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))

    assert delivered(slack) == Counter({f"U{i:04d}": 1 for i in range(OWNERS)})
    assert sum(r["sent"] for r in reports) == OWNERS
    assert rows(env) == Counter({"sent": OWNERS})
    # The rate limit was really met: 42 calls for 40 messages, the 16th and the 32nd refused.
    assert slack.throttled == 2
    assert len(slack.calls_to("chat.postMessage")) == OWNERS + 2

    # A restart, or the next minute's run: nothing more is sent.
    run(env, *WORKER, "send", "w-restarted", MONDAY, "2")
    assert sum(delivered(slack).values()) == OWNERS


def test_a_worker_killed_after_its_claim_is_taken_over_once(race) -> None:
    env, slack = race
    doomed = subprocess.Popen(
        [*WORKER, "claim-and-hang", "doomed", MONDAY],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert doomed.stdout is not None and doomed.stderr is not None
    line = doomed.stdout.readline()
    assert line, doomed.stderr.read()
    claimed = json.loads(line)["claimed"]
    assert len(claimed) == OWNERS
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=20)

    # Half a minute later another pass leaves the rows alone: the claim may still be live (a
    # worker renews it while it talks to Slack, however long that takes).
    run(env, *WORKER, "send", "patient", "2026-11-16T10:05:30+00:00", "2")
    assert sum(delivered(slack).values()) == 0
    assert rows(env) == Counter({"sending": OWNERS})

    # At the next minute's tick the claim has not been renewed for longer than its lease: the
    # rows are taken over, a minute after the worker died, and each nudge is sent exactly once.
    run(env, *WORKER, "send", "rescuer", "2026-11-16T10:06:00+00:00", str(HANG_SECONDS))
    run(env, *WORKER, "send", "another", "2026-11-16T10:07:00+00:00", "2")
    assert delivered(slack) == Counter({f"U{i:04d}": 1 for i in range(OWNERS)})
    assert rows(env) == Counter({"sent": OWNERS})
