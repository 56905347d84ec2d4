"""`make demo` ends with where to sign in and as whom, once the server and worker have started."""

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
    assert "`" not in demo.stdout  # a terminal shows no markdown
    assert "Serve it (it prints where to sign in, and as whom):" in demo.stdout
    port = free_port()
    process = subprocess.Popen(
        [*OKRS, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    banner = f"The demo organisation is loaded. Sign in at http://127.0.0.1:{port}/ as:"
    lines: list[str] = []
    try:
        deadline = time.monotonic() + HANG_SECONDS
        while time.monotonic() < deadline and process.stdout is not None:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if len(lines) > 3 and lines[-3] == banner:
                break
    finally:
        stop(process)
    assert banner in lines, lines
    before = lines[: lines.index(banner)]
    # After the whole start-up log: the server listening, both web processes booted, and the
    # worker's first round (the demo's due nudges mailed and its sources synced).
    assert any("Listening at" in line for line in before)
    assert sum("Booting worker" in line for line in before) == 2
    assert any("okrs worker started" in line for line in before)
    assert any("nudges: " in line and " sent" in line for line in before)
    assert any("okrs.metrics.sources.sync synced" in line for line in before)
    assert lines[-3:] == [
        banner,
        "  maya@acme.test / okrs-demo  Maya Patel, lead of the platform team",
        "  ceo@acme.test / okrs-demo   Alex Chen, CEO (admin)",
    ]
