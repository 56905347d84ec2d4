"""The import rules of docs/architecture.md hold: every import-linter contract is kept.

The contracts live in pyproject.toml ([tool.importlinter]); `make lint` runs the same check.
A broken contract names the offending import and its line, as `lint-imports` prints it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_import_contract_is_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[result.stdout.find("Broken contracts") :]
