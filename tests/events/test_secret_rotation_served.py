"""A secret changed by one process is honoured at once by every web process of `okrs serve`.

Two web processes serve the deliveries (each keeps its own decrypted copy of the secret once it
has served one); the secret is rotated and then cleared by a third process (`okrs manage
shell`, as an admin's page in another web process would). Every delivery sent after the change
returns is judged by the new state, whichever web process answers it.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.events.conftest import generic_headers
from tests.migrated import migrated
from tests.services import HANG_SECONDS
from tests.test_running import OKRS, free_port, okrs, stop, wait_for

OLD, NEW = "the-first-generic-secret", "the-rotated-generic-secret"
# Enough concurrent deliveries, each on a new connection, that both processes answer some.
DELIVERIES = 24


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, dict[str, str]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKRS_")}
    env["OKRS_DATA_DIR"] = str(migrated(Path(tmp_path_factory.mktemp("served")) / "data"))
    port = free_port()
    process = subprocess.Popen(
        [*OKRS, "serve", "--no-worker", "--workers", "2", "--threads", "2",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v1/openapi.json", process)
        shell(
            env,
            "from okrs.metrics.delivery.models import Service",
            "Service.objects.create(key='checkout', name='Checkout')",
        )
        yield port, env
    finally:
        stop(process)


def shell(env: dict[str, str], *lines: str) -> None:
    okrs(env, "manage", "shell", "-c", "\n".join(lines))


def set_secret(env: dict[str, str], secret: str) -> None:
    shell(
        env,
        "from okrs.metrics.delivery.ingest.configure import set_webhook_secret",
        "from okrs.org.audit import Actor",
        "set_webhook_secret(actor=Actor(person=None, channel='cli', trusted=True), "
        f"provider='generic', secret={secret!r})",
    )


def deliver_many(port: int, tag: str, secret: str) -> list[int]:
    """DELIVERIES distinct deployments signed with `secret`, sent at once; their statuses."""

    def one(n: int) -> int:
        body = json.dumps(
            {
                "id": f"{tag}-{n}",
                "type": "deployment",
                "service": "checkout",
                "environment": "production",
                "status": "success",
                "finished_at": f"2026-11-16T10:{n:02d}:00Z",
            }
        ).encode()
        headers = {**generic_headers(body, secret), "Content-Type": "application/json"}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG_SECONDS)
        try:
            connection.request("POST", "/api/v1/events/generic", body, headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(one, range(DELIVERIES)))


def test_a_rotated_then_cleared_secret_is_honoured_by_every_web_process(served) -> None:
    port, env = served
    set_secret(env, OLD)
    assert set(deliver_many(port, "first", OLD)) == {200}

    set_secret(env, NEW)

    assert set(deliver_many(port, "old-after-rotation", OLD)) == {401}
    assert set(deliver_many(port, "new-after-rotation", NEW)) == {200}

    shell(
        env,
        "from okrs.metrics.delivery.ingest.configure import clear_webhook_secret",
        "from okrs.org.audit import Actor",
        "clear_webhook_secret(actor=Actor(person=None, channel='cli', trusted=True), "
        "provider='generic')",
    )

    assert set(deliver_many(port, "after-clearing", NEW)) == {503}
