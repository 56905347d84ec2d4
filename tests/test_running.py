"""`okrs serve` and `okrs worker` as an admin runs them: real processes, real ports, real queues.

These start the installed command in a fresh data directory, so they test what a new install
does: migrate, generate a secret key, serve the API, and run background work.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.migrated import migrated
from tests.services import HANG_SECONDS, redis_database_of_its_own, require_service

OKRS = [sys.executable, "-m", "okrs"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def okrs(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [*OKRS, *args], env=env, input=stdin, capture_output=True, text=True, timeout=HANG_SECONDS
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKRS_")}
    env["OKRS_DATA_DIR"] = str(tmp_path / "data")
    return env


def stop(process: subprocess.Popen[str]) -> None:
    """Stop a served process: politely, then for good after 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(url: str, process: subprocess.Popen[str]) -> None:
    """Wait until a started server answers (or fails to start); the limit only catches a hang."""
    deadline = time.monotonic() + HANG_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"okrs serve exited early: {process.stdout.read()}")  # type: ignore[union-attr]
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def migrated_env(fresh_env: dict[str, str]) -> dict[str, str]:
    """A data dir with a migrated database (tests/migrated.py): for what is not a fresh install."""
    migrated(Path(fresh_env["OKRS_DATA_DIR"]))
    return fresh_env


@pytest.fixture
def served(fresh_env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with serving(fresh_env) as started:
        yield started


@pytest.fixture
def served_migrated(migrated_env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with serving(migrated_env) as started:
        yield started


@contextlib.contextmanager
def serving(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [*OKRS, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/api/v1/openapi.json", process)
        yield base, process
    finally:
        stop(process)


def get_json(url: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=HANG_SECONDS) as response:
        return response.status, response.read()


def test_serve_on_a_fresh_data_dir(served, fresh_env) -> None:
    base, process = served
    data_dir = Path(fresh_env["OKRS_DATA_DIR"])
    # The embedded default: SQLite database and queue, and a secret key kept for the next start.
    assert (data_dir / "okrs.sqlite3").exists()
    key_file = data_dir / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    okrs(fresh_env, "user", "create", "admin@acme.test", "--role", "admin", "--password-stdin",
         stdin="a-long-enough-passphrase\n")  # fmt: skip
    token = okrs(fresh_env, "token", "create", "admin@acme.test").strip()
    status, body = get_json(f"{base}/api/v1/cycles", token)
    assert status == 200 and body == b"[]"
    docs = urllib.request.urlopen(f"{base}/api/v1/docs", timeout=HANG_SECONDS).read().decode()
    assert "swagger" in docs.lower()
    process.terminate()
    output, _ = process.communicate(timeout=HANG_SECONDS)
    assert "okrs worker started" in output  # background work runs beside it, by itself
    assert "INFO huey" not in output  # one line a task would drown everything else


def signed_in_opener(base: str, email: str, password: str) -> urllib.request.OpenerDirector:
    """A client with a session, signed in through the sign-in form as a person would."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    form = opener.open(f"{base}/accounts/login/", timeout=HANG_SECONDS).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert csrf, form
    fields = {"csrfmiddlewaretoken": csrf.group(1), "login": email, "password": password}
    with opener.open(
        f"{base}/accounts/login/", urlencode(fields).encode(), timeout=HANG_SECONDS
    ) as answer:
        assert "/accounts/login/" not in answer.url, "the sign-in was refused"
    return opener


def test_links_follow_the_port_served_on(served_migrated, migrated_env) -> None:
    base, _ = served_migrated  # a free port, not 8000, and no OKRS_BASE_URL
    okrs(migrated_env, "user", "create", "admin@acme.test", "--role", "admin", "--password-stdin",
         stdin="a-long-enough-passphrase\n")  # fmt: skip
    opener = signed_in_opener(base, "admin@acme.test", "a-long-enough-passphrase")
    page = opener.open(f"{base}/settings/webhooks/", timeout=HANG_SECONDS).read().decode()
    # What an admin pastes into GitHub: it must reach this server, not one on :8000.
    assert f"{base}/api/v1/events/github" in page
    assert "127.0.0.1:8000" not in page
    # Commands that serve nothing keep the default (or OKRS_BASE_URL).
    script = "from django.conf import settings; print(settings.BASE_URL)"
    assert okrs(migrated_env, "manage", "shell", "--no-imports", "-c", script).strip() == (
        "http://127.0.0.1:8000"
    )


def test_secret_key_survives_restarts(fresh_env) -> None:
    script = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = okrs(fresh_env, "manage", "shell", "--no-imports", "-c", script)
    second = okrs(fresh_env, "manage", "shell", "--no-imports", "-c", script)
    assert first == second and len(first.strip()) > 40


def run_worker_until_frozen(env: dict[str, str]) -> None:
    """Enqueue the freeze task from one process and let `okrs worker` run it in another."""
    plan = Path(env["OKRS_DATA_DIR"]).parent / "plan.yaml"
    plan.write_text(
        "organisation: Acme\ntimezone: UTC\n"
        "cycles:\n  - {key: 2025-Q1, start: 2025-01-01, end: 2025-03-31}\n"
        "people:\n  - {email: a@acme.test, name: A}\n"
        "objectives:\n  - key: old\n    cycle: 2025-Q1\n    level: company\n"
        "    title: An old goal\n    owner: a@acme.test\n    key_results:\n"
        "      - {key: kr, title: Raise x from 0 to 10, owner: a@acme.test, baseline: 0,"
        " target: 10}\n"
    )
    migrated(Path(env["OKRS_DATA_DIR"]))
    okrs(env, "apply", str(plan))
    okrs(env, "checkin", "old/kr", "--value", "5", "--at", "2025-02-01")
    okrs(env, "manage", "shell", "--no-imports", "-c",
         "from okrs.goals.tasks import freeze_ended_cycles_hourly as t; t()")  # fmt: skip
    worker = subprocess.Popen(
        [*OKRS, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    database = Path(env["OKRS_DATA_DIR"]) / "okrs.sqlite3"
    try:
        # However long the worker takes to start on a busy machine (the limit only catches a
        # hang), with a cheap look at the database, not a process of our own every half second.
        deadline = time.monotonic() + HANG_SECONDS
        while final_score(database, "kr") != 0.5:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the worker did not freeze the ended cycle")
            time.sleep(0.2)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=HANG_SECONDS)
        print(output)  # shown by pytest when the test failed


def final_score(database: Path, key: str) -> float | None:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        row = db.execute("SELECT final_score FROM goals_keyresult WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def test_worker_runs_queued_work_on_the_embedded_queue(fresh_env) -> None:
    run_worker_until_frozen(fresh_env)


@pytest.mark.redis
def test_worker_runs_queued_work_on_redis(fresh_env) -> None:
    with redis_database_of_its_own() as queue:
        fresh_env["OKRS_QUEUE_URL"] = queue
        run_worker_until_frozen(fresh_env)


def test_production_settings_pass_djangos_deploy_checks(fresh_env) -> None:
    fresh_env["OKRS_BASE_URL"] = "https://okrs.acme.test"
    output = okrs(fresh_env, "manage", "check", "--deploy", "--fail-level", "WARNING")
    assert "no issues" in output


def test_a_misread_setting_stops_the_command_with_its_name(fresh_env) -> None:
    fresh_env["OKRS_DEBUG"] = "perhaps"
    result = subprocess.run(
        [*OKRS, "status"], env=fresh_env, capture_output=True, text=True, timeout=HANG_SECONDS
    )
    assert result.returncode == 2
    assert "OKRS_DEBUG must be true or false" in result.stderr


@pytest.fixture
def scaled_out_env(fresh_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A database of its own on the real PostgreSQL server, and a Redis queue."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)
    import psycopg

    name = f"okrs_scaleout_{os.getpid()}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    fresh_env["OKRS_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"
    fresh_env["OKRS_SECRET_KEY"] = "a-shared-secret-key-for-every-process-of-this-test"
    try:
        with redis_database_of_its_own() as queue:
            fresh_env["OKRS_QUEUE_URL"] = queue
            yield fresh_env
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# One goal with one key result, owned by a@acme.test, in a cycle that is always running.
CURRENT_PLAN = (
    "organisation: Acme\ntimezone: UTC\n"
    "cycles:\n  - {key: now, start: 2020-01-01, end: 2099-12-31}\n"
    "people:\n  - {email: a@acme.test, name: A}\n"
    "objectives:\n  - key: goal\n    cycle: now\n    level: company\n"
    "    title: A goal\n    owner: a@acme.test\n    key_results:\n"
    "      - {key: kr, title: Raise x from 0 to 10, owner: a@acme.test, baseline: 0,"
    " target: 10}\n"
)


@pytest.mark.postgres
@pytest.mark.redis
def test_two_web_processes_share_everything_through_postgresql(scaled_out_env) -> None:
    env = scaled_out_env
    okrs(env, "migrate")
    plan = Path(env["OKRS_DATA_DIR"]).parent / "plan.yaml"
    plan.write_text(CURRENT_PLAN)
    okrs(env, "apply", str(plan))
    token = okrs(env, "token", "create", "a@acme.test").strip()
    servers = []
    try:
        for _ in range(2):
            port = free_port()
            process = subprocess.Popen(
                [*OKRS, "serve", "--port", str(port)],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
            servers.append((f"http://127.0.0.1:{port}", process))
        for base, process in servers:
            wait_for(f"{base}/api/v1/openapi.json", process)
        first, second = servers[0][0], servers[1][0]
        request = urllib.request.Request(
            f"{first}/api/v1/key-results/goal%2Fkr/check-ins",
            data=b'{"value": 4, "confidence": "at_risk"}',
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=HANG_SECONDS) as response:
            assert response.status == 201
        # The other process sees the check-in at once: nothing lives in process memory.
        _, body = get_json(f"{second}/api/v1/key-results/goal%2Fkr", token)
        assert b'"current": 4.0' in body and b'"status": "at_risk"' in body
    finally:
        outputs = []
        for _, process in servers:
            process.terminate()
            outputs.append(process.communicate(timeout=HANG_SECONDS)[0])
    # With the Redis queue, web processes leave background work to `okrs worker`.
    assert all("okrs worker started" not in output for output in outputs)


def test_the_worker_knows_every_periodic_task(fresh_env) -> None:
    """A task module nobody imports at start-up never runs: the syncs, nudges, alerts and the
    end of cycle must all be registered in a process that only set Django up."""
    listing = (
        "from huey.contrib.djhuey import HUEY; "
        "print(' '.join(sorted(t.name for t in HUEY._registry.periodic_tasks)))"
    )
    names = okrs(fresh_env, "manage", "shell", "--no-imports", "-c", listing).split()
    assert names == [
        "freeze_ended_cycles_hourly",
        "plan_and_send_nudges_every_minute",
        "plan_insights_hourly",
        "sync_due_key_results",
    ]


def test_the_worker_restarts_on_sighup(migrated_env) -> None:
    """huey re-executes the worker's own command line on SIGHUP (`kill -HUP`, a logrotate
    hook): started as `python -m okrs worker`, it must come back as the same worker."""
    import queue
    import signal
    import threading

    worker = subprocess.Popen(
        [*OKRS, "worker"], env=migrated_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def read() -> None:
        for line in worker.stdout:  # type: ignore[union-attr]
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()

    def until_started() -> None:
        deadline = time.monotonic() + HANG_SECONDS
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if worker.poll() is not None:
                    break
                continue
            seen.append(line)
            if "okrs worker started" in line:
                return
        raise AssertionError("the worker did not start:\n" + "".join(seen))

    def until_hup_is_handled() -> None:
        """Until huey has installed its SIGHUP handler (before that, SIGHUP ends a process)."""
        deadline = time.monotonic() + HANG_SECONDS
        status = Path(f"/proc/{worker.pid}/status")
        while time.monotonic() < deadline and worker.poll() is None:
            caught = next(
                line.split()[1] for line in status.read_text().splitlines()
                if line.startswith("SigCgt:")
            )  # fmt: skip
            if int(caught, 16) >> (signal.SIGHUP - 1) & 1:
                return
            time.sleep(0.1)
        raise AssertionError("the worker never handled SIGHUP:\n" + "".join(seen))

    try:
        until_started()
        first_pid = worker.pid
        until_hup_is_handled()
        worker.send_signal(signal.SIGHUP)
        until_started()  # the same process, re-executed
        assert worker.poll() is None, "".join(seen)
        assert worker.pid == first_pid
        assert not any("Traceback" in line for line in seen), "".join(seen)
    finally:
        stop(worker)
