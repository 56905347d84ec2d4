"""Run the README's shell examples, top to bottom, against a served demo (CI runs this).

    .venv/bin/python scripts/readme_examples.py [--verbose]

Every ```sh block of README.md runs in order, each with `/bin/sh -e` (a failing command fails
its block), as a reader who follows the README on a fresh clone would run it, with `make demo`
serving in another terminal: the demo organisation is loaded into a data directory of its own
and served with `okrs serve` on the README's port (8000) when it is free, else on a free port
that then replaces 127.0.0.1:8000 in the blocks. The blocks run in a scratch copy of the clone
(its top-level entries linked), so the files they write (plan.yaml, qbr.html) stay out of the
repository. A block that cannot run here (it serves forever, needs Slack or a real server) is
preceded in the README by

    <!-- readme-examples: skip (why) -->

and listed as skipped. The first failing block stops the run: its README line, its text and the
end of its output are printed, its data directory is kept, and the exit status is 1.
tests/test_readme.py checks the same blocks statically (`sh -n`, one way of calling okrs) with
the parser below.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from okrs.bench.processes import OKRS, free_port, run_okrs, wait_until_served

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
README_PORT = 8000
# On a line of its own, so that the README can show the marker in its text without skipping.
SKIP_MARKER = re.compile(
    r"^\s*<!--\s*readme-examples:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->\s*$", re.MULTILINE
)
# Generous: the slowest block (the quarterly review as HTML) takes seconds on the demo.
BLOCK_TIMEOUT_SECONDS = 300
# Entries of the clone a scratch copy must not share: where a run keeps its own state.
NOT_LINKED = {".git", "var", ".env"}


@dataclass(frozen=True)
class Block:
    """One ```sh block: the README line of its first command, its text, and why it is skipped."""

    line: int
    text: str
    skip: str | None


def sh_blocks(markdown: str) -> list[Block]:
    """Every ```sh block, with the skip reason of a marker on the last non-blank line above it."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() != "```sh":
            index += 1
            continue
        above = next((line for line in reversed(lines[:index]) if line.strip()), "")
        marker = SKIP_MARKER.match(above)
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        text = "\n".join(lines[index + 1 : end]) + "\n"
        blocks.append(Block(index + 2, text, marker.group("reason").strip() if marker else None))
        index = end + 1
    return blocks


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def on_port(text: str, port: int) -> str:
    """The block as it reads when the demo is served on `port` instead of the README's."""
    if port == README_PORT:
        return text
    return re.sub(rf"(127\.0\.0\.1|localhost):{README_PORT}\b", rf"\g<1>:{port}", text)


@contextmanager
def served_demo(env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    """The demo as `make demo` serves it: migrated, loaded, mail on the console."""
    run_okrs(env, "migrate")
    run_okrs(env, "demo")
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*OKRS, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "OKRS_MAIL_CONSOLE": "true"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_served(f"http://127.0.0.1:{port}/api/v1/openapi.json", server)
            yield
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def scratch_clone(directory: Path) -> Path:
    """A directory that looks like the clone (the same .venv, Makefile, docs) but writes apart."""
    clone = directory / "clone"
    clone.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in NOT_LINKED:
            (clone / entry.name).symlink_to(entry)
    return clone


def run_block(block: Block, port: int, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    try:
        result = subprocess.run(
            ["/bin/sh", "-e", "-c", on_port(block.text, port)],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=BLOCK_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout if isinstance(exc.stdout, str) else (exc.stdout or b"").decode()
        return 124, f"{output}\n(no answer within {BLOCK_TIMEOUT_SECONDS} s)"
    return result.returncode, result.stdout


# Of a failing block's output, the end is where the failure is.
OUTPUT_LINES_SHOWN = 60


def indented(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.rstrip("\n").splitlines())


def tail(output: str) -> str:
    lines = output.rstrip("\n").splitlines()
    if len(lines) <= OUTPUT_LINES_SHOWN:
        return output
    left_out = len(lines) - OUTPUT_LINES_SHOWN
    return "\n".join([f"({left_out} earlier lines left out)", *lines[-OUTPUT_LINES_SHOWN:]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="print every block's output")
    options = parser.parse_args()

    blocks = sh_blocks(README.read_text())
    port = README_PORT if port_is_free(README_PORT) else free_port()
    directory = Path(tempfile.mkdtemp(prefix="okrs-readme-"))
    # What the reader's shell has, minus any okrs configuration of this machine.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKRS_")}
    env["OKRS_DATA_DIR"] = str(directory / "data")
    log = directory / "serve.log"
    started = time.monotonic()
    with served_demo(env, port, log):
        print(f"(migrated, loaded and served in {time.monotonic() - started:.1f} s)")
        print(f"The demo is served on http://127.0.0.1:{port}/ for README.md's examples.")
        # One scratch copy for the whole run: a later block reads what an earlier one wrote.
        clone = scratch_clone(directory)
        for block in blocks:
            if block.skip:
                continue
            started = time.monotonic()
            status, output = run_block(block, port, clone, env)
            elapsed = time.monotonic() - started
            if status != 0:
                print(f"FAILED README.md:{block.line} (exit {status}):")
                print(indented(on_port(block.text, port)))
                print(f"its output:\n{indented(tail(output))}")
                print(f"kept for a look: {directory} (the server's log: {log.name})")
                return 1
            print(f"ok      README.md:{block.line} ({elapsed:.1f} s)")
            if options.verbose:
                print(indented(output))
    shutil.rmtree(directory, ignore_errors=True)
    skipped = [block for block in blocks if block.skip]
    print(f"{len(blocks) - len(skipped)} block(s) of README.md ran, {len(skipped)} skipped:")
    for block in skipped:
        print(f"  skipped README.md:{block.line}: {block.skip}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
