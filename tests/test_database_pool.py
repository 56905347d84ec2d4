"""Database connections of a served process on PostgreSQL: bounded by the pool, returned after
each request, and a database that goes away for a moment answers 503 until it is back.

These drive a real `okrs serve` (real web processes and threads) with concurrent requests and
read the connections it holds from PostgreSQL itself (`pg_stat_activity`): counts, not times.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.services import HANG_SECONDS
from tests.tcp_proxy import TcpProxy
from tests.test_running import (
    CURRENT_PLAN,
    OKRS,
    free_port,
    fresh_env,
    okrs,
    scaled_out_env,
    wait_for,
)

__all__ = ["fresh_env", "scaled_out_env"]  # fixtures, used by name

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROUTES = ("/api/v1/dashboard", "/api/v1/alignment", "/api/v1/objectives", "/api/v1/cycles")


def prepare(env: dict[str, str]) -> str:
    """Migrate, apply a small plan and return a token for its owner."""
    okrs(env, "migrate")
    plan = Path(env["OKRS_DATA_DIR"]).parent / "plan.yaml"
    plan.write_text(CURRENT_PLAN)
    okrs(env, "apply", str(plan))
    return okrs(env, "token", "create", "a@acme.test").strip()


@pytest.fixture
def serve(scaled_out_env: dict[str, str]) -> Iterator[object]:
    processes: list[subprocess.Popen[str]] = []

    def start(env: dict[str, str], *args: str) -> str:
        port = free_port()
        process = subprocess.Popen(
            [*OKRS, "serve", "--no-worker", "--port", str(port), *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/api/v1/openapi.json", process)
        return base

    try:
        yield start
    finally:
        for process in processes:
            process.terminate()
            process.communicate(timeout=HANG_SECONDS)


def get(url: str, token: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", **headers})
    try:
        with urllib.request.urlopen(request, timeout=HANG_SECONDS) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def connections(database: str) -> Counter[str]:
    """The server's connections to its database by state, as PostgreSQL sees them."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres") as connection:
        rows = connection.execute(
            "SELECT coalesce(state, ''), count(*) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid() GROUP BY 1",
            [database],
        ).fetchall()
    return Counter({state: count for state, count in rows})


def database_of(env: dict[str, str]) -> str:
    return urlsplit(env["OKRS_DATABASE_URL"]).path.lstrip("/")


def test_connections_never_exceed_the_pool_and_are_returned(serve, scaled_out_env) -> None:
    env = {**scaled_out_env, "OKRS_DATABASE_POOL_SIZE": "3"}
    token = prepare(env)
    # Two web processes of three threads, each process with a pool of three connections;
    # 24 clients at once make every thread busy and requests queue in the server.
    base = serve(env, "--workers", "2", "--threads", "3")
    database = database_of(env)
    peak = Counter[str]()
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            now = connections(database)
            if now.total() > peak.total():
                peak.clear()
                peak.update(now)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        with ThreadPoolExecutor(max_workers=24) as pool:
            urls = [f"{base}{ROUTES[i % len(ROUTES)]}" for i in range(480)]
            statuses = Counter(status for status, _, _ in pool.map(lambda u: get(u, token), urls))
    finally:
        done.set()
        sampler.join()
    assert statuses == Counter({200: 480})
    assert 2 <= peak.total() <= 2 * 3, peak  # both processes served; never past their pools
    after = connections(database)
    # Back in the pools: still open for the next request, but none is in use.
    assert after.total() <= 2 * 3 and set(after) == {"idle"}, after


def test_too_many_threads_for_the_pool_is_refused_at_start(scaled_out_env) -> None:
    env = {**scaled_out_env, "OKRS_DATABASE_POOL_SIZE": "2"}
    result = subprocess.run(
        [*OKRS, "serve", "--no-worker", "--threads", "4", "--port", str(free_port())],
        env=env, capture_output=True, text=True, timeout=HANG_SECONDS,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--threads 4 is more than OKRS_DATABASE_POOL_SIZE=2" in result.stderr


def test_a_database_that_goes_away_answers_503_and_the_server_recovers(
    serve, scaled_out_env
) -> None:
    token = prepare(scaled_out_env)
    proxy = TcpProxy(("127.0.0.1", 5432))
    proxy.start()
    parts = urlsplit(scaled_out_env["OKRS_DATABASE_URL"])
    through_proxy = urlunsplit(parts._replace(netloc=f"postgres@127.0.0.1:{proxy.port}"))
    base = serve({**scaled_out_env, "OKRS_DATABASE_URL": through_proxy}, "--workers", "1")
    try:
        assert get(f"{base}/api/v1/dashboard", token)[0] == 200

        proxy.cut()
        status, headers, body = get(f"{base}/api/v1/dashboard", token)
        assert status == 503
        assert headers["Retry-After"] == "5"
        assert "database is unavailable" in json.loads(body)["detail"]
        # A page with a session cookie: the session is read from the database before any view.
        page_status, _, page = get(f"{base}/", token, Cookie="sessionid=" + "a" * 32)
        assert page_status == 503 and b"okrs is unavailable" in page

        proxy.start()  # the same address again, as after a restart of the database
        # The pool reconnects by itself: no restart of the server. Requests made while it does
        # may still meet a severed connection; each gets 503, never a 500. How soon it is back
        # depends on the pool's back-off and on how busy the machine is, so the test waits for
        # it (the limit only catches a server that never recovers) and asserts what was seen.
        seen = []
        recovering_until = time.monotonic() + HANG_SECONDS
        while time.monotonic() < recovering_until:
            seen.append(get(f"{base}/api/v1/dashboard", token)[0])
            if seen[-1] != 503:
                break
            time.sleep(0.5)
        assert seen[-1] == 200 and set(seen) <= {200, 503}, seen
        assert all(get(f"{base}{route}", token)[0] == 200 for route in ROUTES)
    finally:
        proxy.cut()
