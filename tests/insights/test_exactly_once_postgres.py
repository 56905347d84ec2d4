"""Two insights workers racing on PostgreSQL: each alert and digest arrives exactly once.

Each worker is a process of its own with its own connection; both plan the same alerts and
digests at the same instant and send them to the fake Slack Web API in this process.
"""

from __future__ import annotations

import os
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
WORKER = [sys.executable, "-m", "tests.insights.pg_worker"]
MONDAY = "2026-11-16T10:05:00+00:00"
OWNERS = 12


@pytest.fixture
def race(tmp_path: Path) -> Iterator[tuple[dict[str, str], FakeSlack]]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    name = f"okrs_insights_race_{os.getpid()}"
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
        slack.add_user("U0BOSS", "boss@race.test")
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


def delivered(slack: FakeSlack) -> Counter[tuple[str, str]]:
    """(recipient, kind of message) -> how many arrived."""
    counts: Counter[tuple[str, str]] = Counter()
    for call in slack.calls_to("chat.postMessage"):
        if call.status != 200 or call.error is not None:
            continue
        header = next(b["text"]["text"] for b in call.params["blocks"] if b["type"] == "header")
        counts[(call.params["channel"], header.split(":", 1)[0])] += 1
    return counts


def test_two_racing_workers_send_each_alert_and_digest_once(race) -> None:
    env, slack = race
    workers = [
        subprocess.Popen([*WORKER, "run", f"w{n}", MONDAY, str(HANG_SECONDS)], env=env, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(2)
    ]  # fmt: skip
    for worker in workers:
        _, err = worker.communicate(timeout=2 * HANG_SECONDS)
        assert worker.returncode == 0, err

    expected = Counter({(f"U{i:04d}", "Off track"): 1 for i in range(OWNERS)})
    # The boss leads the team: an off-track copy of every key result, and one digest.
    expected[("U0BOSS", "Off track")] = OWNERS
    expected[("U0BOSS", "Weekly OKR digest for the whole organisation")] = 1
    assert delivered(slack) == expected

    # The next hour's run: nothing more.
    run(env, *WORKER, "run", "w-later", "2026-11-16T11:05:00+00:00", "2")
    assert sum(delivered(slack).values()) == sum(expected.values())
