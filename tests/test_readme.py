"""The README's shell examples read as they run: POSIX sh, one way of calling okrs, real files.

scripts/readme_examples.py runs them against a served demo in CI; these checks are the fast,
static half, over the README and the docs it points to, with the script's own block parser.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
# The README's way of calling okrs and Python is the clone's virtualenv; a bare `okrs` is
# "command not found" on a fresh clone.
COMMAND_START = r"(?:^|[|;&(`]|\$\()\s*(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*"
BARE_COMMAND = re.compile(COMMAND_START + r"(okrs|python3?)(?=\s|$)", re.MULTILINE)
# What dash rejects or reads differently; `sh -n` does not catch all of them.
BASH_ONLY = {
    "<<<": "a here-string (use printf ... |)",
    "[[": "[[ ]] (use [ ])",
    "&>": "&> (use > FILE 2>&1)",
    "$'": "$'...' quoting",
    "function ": "the function keyword",
    "source ": "source (use .)",
}


def load_runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "readme_examples", ROOT / "scripts" / "readme_examples.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


runner = load_runner()


def blocks_of(path: Path) -> list[tuple[str, object]]:
    return [
        (f"{path.relative_to(ROOT)}:{block.line}", block)
        for block in runner.sh_blocks(path.read_text())
    ]


EVERY_BLOCK = [pair for path in [README, *DOCS] for pair in blocks_of(path)]


def without_comments(text: str) -> str:
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())


def test_the_readme_has_examples_to_run() -> None:
    blocks = runner.sh_blocks(README.read_text())
    assert len([block for block in blocks if not block.skip]) >= 4


@pytest.mark.parametrize(("where", "block"), EVERY_BLOCK, ids=[w for w, _ in EVERY_BLOCK])
def test_every_sh_block_is_posix_sh(where: str, block) -> None:
    shell = shutil.which("dash") or "/bin/sh"
    result = subprocess.run(
        [shell, "-n"], input=block.text, capture_output=True, text=True, timeout=10
    )
    assert result.returncode == 0, f"{where}: {result.stderr}"
    code = without_comments(block.text)
    for construct, name in BASH_ONLY.items():
        assert construct not in code, f"{where}: {name} is bash, not sh"


@pytest.mark.parametrize(("where", "block"), EVERY_BLOCK, ids=[w for w, _ in EVERY_BLOCK])
def test_every_sh_block_calls_okrs_the_readmes_way(where: str, block) -> None:
    bare = [match.group(1) for match in BARE_COMMAND.finditer(without_comments(block.text))]
    assert not bare, f"{where}: call {bare[0]} as .venv/bin/{bare[0]}"


def test_the_bare_command_check_finds_what_a_fresh_clone_cannot_run() -> None:
    found = [m.group(1) for m in BARE_COMMAND.finditer("okrs status\nX=1 okrs demo\n")]
    found += [m.group(1) for m in BARE_COMMAND.finditer("T=$(okrs token create a) | python -m x")]
    assert found == ["okrs", "okrs", "okrs", "python"]
    assert not BARE_COMMAND.search(".venv/bin/okrs status | .venv/bin/python -m okrs.bench")


def test_every_skip_marker_stands_above_a_block_and_says_why() -> None:
    text = README.read_text()
    markers = runner.SKIP_MARKER.findall(text)
    skipped = [block for block in runner.sh_blocks(text) if block.skip]
    # A misspelt marker, or one anywhere but above a block, would skip nothing, silently.
    lines = [line for line in text.splitlines() if line.strip().startswith("<!-- readme-ex")]
    assert len(markers) == len(skipped) == len(lines)
    assert all(len(block.skip) > 10 for block in skipped)


def test_every_docs_file_the_readme_names_exists() -> None:
    named = set(re.findall(r"\bdocs/[\w./-]*\w", README.read_text()))
    assert named, "the README names no docs at all"
    missing = sorted(name for name in named if not (ROOT / name).exists())
    assert not missing, f"README.md names docs that do not exist: {missing}"


def test_the_runner_points_the_examples_at_the_port_it_served_on() -> None:
    text = "curl http://127.0.0.1:8000/api/v1/dashboard http://localhost:8000/ http://x:80001\n"
    assert runner.on_port(text, 8000) == text
    assert runner.on_port(text, 43210) == (
        "curl http://127.0.0.1:43210/api/v1/dashboard http://localhost:43210/ http://x:80001\n"
    )
