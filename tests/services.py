"""Real services the tests use: PostgreSQL, Redis, Chromium. Skipped locally, required in CI."""

from __future__ import annotations

import os
import socket

import pytest

IN_CI = os.environ.get("CI") == "true"


def require(name: str, available: bool, why: str) -> None:
    """Skip when a real component is missing locally; under CI=true a missing one fails."""
    if available:
        return
    message = f"{name}: {why}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_service(name: str, host: str, port: int) -> None:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        require(name, False, f"not reachable on {host}:{port}")
