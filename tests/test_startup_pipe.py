"""How `okrs serve` knows its processes have started (`StartUp`), on a real pipe and real child
processes: it waits for each web process and for the worker's own word, never for a process that
has exited, and a process saying so late can neither block nor fail."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from okrs.cli import worker as worker_command
from okrs.cli.serve import StartUp

SETTLED = 10.0  # seconds a waiter that was told everything is given to return (the limit is 60)


def waiting(started: StartUp) -> threading.Thread:
    thread = threading.Thread(target=started.wait, kwargs={"limit": 60.0}, daemon=True)
    thread.start()
    return thread


def child(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code])


def test_it_waits_for_every_web_process() -> None:
    started = StartUp(2, None, *os.pipe())
    try:
        thread = waiting(started)
        started.web_process_started()
        thread.join(0.3)
        assert thread.is_alive()  # one of two
        started.web_process_started()
        thread.join(SETTLED)
        assert not thread.is_alive()
    finally:
        started.close()


def test_a_web_process_started_twice_does_not_stand_for_the_worker() -> None:
    worker = child("import time; time.sleep(60)")
    started = StartUp(1, worker, *os.pipe())
    try:
        thread = waiting(started)
        started.web_process_started()
        started.web_process_started()  # replaced during start-up
        thread.join(0.6)
        assert thread.is_alive()  # the worker has not said it is done
        os.write(started.write_fd, b"k")
        thread.join(SETTLED)
        assert not thread.is_alive()
    finally:
        worker.kill()
        worker.wait()
        started.close()


def test_a_worker_that_exits_without_a_word_is_not_waited_for() -> None:
    worker = child("pass")
    started = StartUp(0, worker, *os.pipe())
    try:
        thread = waiting(started)
        thread.join(SETTLED)
        assert not thread.is_alive()
        assert worker.poll() == 0
    finally:
        started.close()


def test_saying_so_after_the_lines_neither_blocks_nor_fails() -> None:
    started = StartUp(1, None, *os.pipe())
    os.close(started.read_fd)  # nobody reads any more
    started.web_process_started()  # EPIPE, suppressed
    started.close()
    full = StartUp(1, None, *os.pipe())
    try:
        for _ in range(70_000):  # more than a pipe holds: the write would block
            full.web_process_started()
    finally:
        full.close()


def test_the_worker_takes_its_pipe_once_and_only_a_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_fd, write_fd = os.pipe()
    try:
        argv = ["okrs", "worker", "--exit-with-parent", "1", "--started-fd", str(write_fd)]
        monkeypatch.setattr(sys, "argv", list(argv))
        options = argparse.Namespace(started_fd=write_fd)
        assert worker_command._started_pipe(options) == write_fd
        # A restart (huey's SIGHUP re-executes sys.argv) is not given the descriptor again.
        assert sys.argv == ["okrs", "worker", "--exit-with-parent", "1"]
    finally:
        os.close(read_fd)
        os.close(write_fd)
    with (tmp_path / "queue.sqlite3").open("wb") as database:
        options = argparse.Namespace(started_fd=database.fileno())
        assert worker_command._started_pipe(options) is None  # never written to
    assert worker_command._started_pipe(argparse.Namespace(started_fd=None)) is None
    options = argparse.Namespace(started_fd=999)
    assert worker_command._started_pipe(options) is None  # closed


def test_a_limit_stops_the_wait() -> None:
    started = StartUp(3, None, *os.pipe())
    try:
        started.wait(limit=0.0)  # returns: nobody said anything
    finally:
        started.close()
