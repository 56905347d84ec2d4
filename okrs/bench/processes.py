"""okrs run as child processes by the developer tools: the benchmarks and scripts/ (the API
fuzzing, the README's examples, the screenshots), each serving it on a port of its own."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

OKRS = [sys.executable, "-m", "okrs"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_okrs(env: dict[str, str], *args: str) -> str:
    """`okrs ARGS` with `env`; its output, or SystemExit with everything it said."""
    result = subprocess.run([*OKRS, *args], env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"okrs {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def wait_until_served(url: str, server: subprocess.Popen[bytes], timeout: float = 90) -> None:
    """Until `url` answers; SystemExit when the server exits first or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("okrs serve exited before it answered")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")
