"""`make demo` ends with where to sign in and as whom, once the server listens."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.migrated import migrated
from tests.services import HANG_SECONDS
from tests.test_running import free_port, stop

OKRS = [sys.executable, "-m", "okrs"]


def test_serve_prints_the_address_it_serves_and_the_demo_sign_ins(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKRS_")}
    env.update(OKRS_DATA_DIR=str(migrated(tmp_path / "data")), OKRS_MAIL_CONSOLE="true")
    demo = subprocess.run(
        [*OKRS, "demo"], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    assert "okrs-demo" not in demo.stdout  # said once, by the server, with its address
    port = free_port()
    # Without the background worker, whose own log may come at any moment.
    process = subprocess.Popen(
        [*OKRS, "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + HANG_SECONDS
        while time.monotonic() < deadline and process.stdout is not None:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if "Booting worker" in line:
                break
    finally:
        stop(process)
    # After the server's start-up log (it listens), before the web processes say they boot.
    listening = next(i for i, line in enumerate(lines) if "Listening at" in line)
    booting = next(i for i, line in enumerate(lines) if "Booting worker" in line)
    assert listening < booting - 3
    assert lines[booting - 3 : booting] == [
        f"The demo organisation is loaded. Sign in at http://127.0.0.1:{port}/ as:",
        "  maya@acme.test / okrs-demo  Maya Patel, lead of the platform team",
        "  ceo@acme.test / okrs-demo   Alex Chen, CEO (admin)",
    ]
