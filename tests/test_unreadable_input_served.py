"""Unreadable text sent over a real socket to `okrs serve`, exactly as a client may send it.

Bytes that are not UTF-8 in a path are seen only in the path as the server received it (Django's
test client decodes them before the request exists), so these go through a real server.
"""

from __future__ import annotations

import http.client
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.migrated import migrated
from tests.services import HANG_SECONDS
from tests.test_running import OKRS, free_port, okrs, stop, wait_for


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    """One `okrs serve` on an embedded database already migrated, and an admin's token for it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKRS_")}
    env["OKRS_DATA_DIR"] = str(migrated(Path(tmp_path_factory.mktemp("served")) / "data"))
    port = free_port()
    process = subprocess.Popen(
        [*OKRS, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v1/openapi.json", process)
        okrs(env, "user", "create", "admin@acme.test", "--role", "admin", "--password-stdin",
             stdin="a-long-enough-passphrase\n")  # fmt: skip
        yield port, okrs(env, "token", "create", "admin@acme.test").strip()
    finally:
        stop(process)


def send(
    port: int, method: str, target: str, headers: dict[str, str | bytes], body: bytes = b""
) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG_SECONDS)
    try:
        # skip_accept_encoding and putrequest: the request target goes out byte for byte.
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "target",
    [
        "/api/v1/objectives/caf%E9",
        "/api/v1/objectives/%ED%A0%80",
        "/api/v1/key-results/a%00b",
        "/api/v1/objectives?cycle=caf%E9",
        "/api/v1/dora?service=a%00b",
    ],
)
def test_an_unreadable_path_or_query_gets_a_json_400(served, target: str) -> None:
    port, token = served
    status, content_type, body = send(port, "GET", target, {"Authorization": f"Bearer {token}"})
    assert status == 400
    assert content_type == "application/json"
    assert b'"detail"' in body


def test_an_unreadable_web_path_gets_a_plain_400(served) -> None:
    port, _ = served
    status, content_type, _ = send(port, "GET", "/objectives/caf%E9/edit/", {})
    assert (status, content_type) == (400, "text/plain; charset=utf-8")


def test_a_header_that_is_not_utf8_gets_400(served) -> None:
    port, token = served
    headers: dict[str, str | bytes] = {"Authorization": f"Bearer {token}", "X-Note": b"caf\xe9"}
    status, _, _ = send(port, "GET", "/api/v1/cycles", headers)
    assert status == 400


def test_a_json_body_with_an_escaped_nul_gets_400(served) -> None:
    port, token = served
    headers: dict[str, str | bytes] = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
    }
    body = b'{"value": 5, "note": "bad\\u0000byte"}'
    status, _, answer = send(port, "POST", "/api/v1/key-results/1/check-ins", headers, body)
    assert status == 400
    assert b"NUL" in answer
