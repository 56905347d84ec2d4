"""okrs serve: the web app, the API and (by default) the background worker, from one command.

The views are synchronous Django, so they are served over WSGI by gunicorn's threaded workers:
processes that each run a fixed number of threads (docs/serving.md compares the servers we
measured under load and says why this one). Background work runs in a child `okrs worker`
process rather than in threads of the server: web processes are forked, and forking a process
whose worker threads hold locks is how a server hangs.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connections

from okrs import config
from okrs.cli import CommandError, demo
from okrs.runtime import tune_for_serving

log = logging.getLogger("okrs.serve")

DEFAULT_THREADS = 8
# Seconds a request may run before its process is replaced; the heaviest page of a large
# organisation takes well under one.
REQUEST_TIMEOUT_SECONDS = 60
SHARED_MEMORY = "/dev/shm"  # noqa: S108 (a directory for gunicorn's private mkstemp files)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the web app, the API and the background worker"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="web processes (default: one per core)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"request threads per web process (default {DEFAULT_THREADS}; each holds at most "
        "one database connection, so at most OKRS_DATABASE_POOL_SIZE)",
    )
    worker = parser.add_mutually_exclusive_group()
    worker.add_argument(
        "--with-worker",
        dest="worker",
        action="store_true",
        default=None,
        help="also run background work (the default with the embedded queue)",
    )
    worker.add_argument(
        "--no-worker",
        dest="worker",
        action="store_false",
        help="web only (the default with OKRS_QUEUE_URL=redis://...: run `okrs worker`)",
    )
    parser.set_defaults(handler=run)


def embedded_database() -> bool:
    return str(settings.DATABASES["default"]["ENGINE"]).endswith("sqlite3")


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def check_threads_fit_the_pool(threads: int) -> None:
    """Refuse a configuration in which request threads would queue for database connections.

    Each thread holds at most one connection at a time, so with as many pooled connections as
    threads no request ever waits for one; with fewer, requests would wait and then fail.
    """
    pool_size = settings.DATABASE_POOL_SIZE
    if embedded_database() or pool_size == 0:
        return  # no pool: SQLite, or a connection per request behind an external pooler
    if threads > pool_size:
        raise CommandError(
            f"--threads {threads} is more than OKRS_DATABASE_POOL_SIZE={pool_size}: each "
            "request thread needs a database connection of its own; raise the pool or lower "
            "--threads",
            status=2,
        )


def run(options: argparse.Namespace) -> int:
    if options.threads < 1 or (options.workers is not None and options.workers < 1):
        raise CommandError("--workers and --threads must be at least 1", status=2)
    check_threads_fit_the_pool(options.threads)
    follow_the_served_address(
        config.served_base_url(config.env("OKRS_BASE_URL"), options.host, options.port)
    )
    if embedded_database():
        # One command on a fresh machine: the embedded database is created or upgraded here.
        # Scaled-out deployments run `okrs migrate` once instead of racing from every process.
        call_command("migrate", interactive=False, verbosity=0)
    sign_in = demo.sign_in_lines(f"http://{_bind(options.host, options.port)}/")
    # Nothing opened here may be inherited by the forked web processes: a pooled connection
    # "closed" only goes back to its pool, whose sockets every forked process would then share,
    # one process reading the answers to another's queries. So the pools are closed too.
    close_every_connection()
    tune_for_serving()
    run_worker = options.worker
    if run_worker is None:
        run_worker = settings.HUEY["huey_class"] == "huey.SqliteHuey"
    workers = options.workers or default_workers()
    log.info(
        "okrs serving on http://%s/ (%d web processes of %d threads; background worker %s); "
        "links point to %s/",
        _bind(options.host, options.port),
        workers,
        options.threads,
        "in a child process" if run_worker else "not started: run `okrs worker`",
        settings.BASE_URL,
    )
    # Each web process, and the worker once its start-up work is done, writes a byte here: the
    # sign-in lines are printed after all of them, the last lines of the start-up log.
    started_read, started_write = os.pipe()
    worker = _start_worker(started_write) if run_worker else None
    started = StartUp(workers, worker, started_read, started_write)
    try:
        serve(
            options.host,
            options.port,
            workers,
            options.threads,
            ready_lines=sign_in,
            started=started,
        )
    finally:
        if worker is not None:
            _stop(worker)
        started.close()
    return 0


def close_every_connection() -> None:
    for connection in connections.all(initialized_only=True):
        connection.close()
        close_pool = getattr(connection, "close_pool", None)  # PostgreSQL's, with a pool
        if close_pool is not None:
            close_pool()


def follow_the_served_address(base_url: str) -> None:
    """Make `base_url` the base URL of this server, its web processes and its child worker.

    Settings were read before the command line was (Django is set up first), so the address
    given to `okrs serve` is applied here, before anything is served or forked; the child
    worker, a process of its own that sends the emailed links, reads it from the environment.
    """
    os.environ["OKRS_BASE_URL"] = base_url
    settings.BASE_URL = base_url
    settings.ALLOWED_HOSTS = config.allowed_hosts(config.env("OKRS_ALLOWED_HOSTS"), base_url)


def _start_worker(started_fd: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "okrs", "worker", "--exit-with-parent", str(os.getpid())]
    command += ["--started-fd", str(started_fd)]
    return subprocess.Popen(command, pass_fds=(started_fd,))


class StartUp:
    """The processes of a starting server say on a pipe that they have started, so that lines
    meant to be read are printed after everyone's start-up log: each web process writes "w" once
    it has loaded the app, the child worker "k" once its start-up work is done (`okrs worker
    --started-fd`). The lines wait for `web` web processes and, given `worker`, for its "k",
    until it exits or LIMIT_SECONDS pass."""

    LIMIT_SECONDS = 45.0  # printed anyway if a process never says so

    def __init__(
        self, web: int, worker: subprocess.Popen[bytes] | None, read_fd: int, write_fd: int
    ) -> None:
        self.web = web
        self.worker = worker
        self.read_fd = read_fd
        self.write_fd = write_fd
        # A web process replaced once the lines are printed finds the pipe closed, or full:
        # neither may block or stop it.
        os.set_blocking(write_fd, False)

    def web_process_started(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self.write_fd, b"w")

    def forked(self) -> None:
        """In a forked web process: only the arbiter reads."""
        with contextlib.suppress(OSError):
            os.close(self.read_fd)

    def wait(self, limit: float | None = None) -> None:
        """Until every process has said it started, the worker has exited, or `limit`."""
        deadline = time.monotonic() + (self.LIMIT_SECONDS if limit is None else limit)
        web, worker_done = 0, self.worker is None
        while (web < self.web or not worker_done) and (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.read_fd], [], [], min(left, 0.5))
            said = os.read(self.read_fd, 64) if readable else b""
            web += said.count(b"w")
            worker_done = worker_done or b"k" in said or self.worker.poll() is not None  # type: ignore[union-attr]

    def print_once_started(self, lines: Sequence[str]) -> None:
        if not lines:
            return

        def wait_then_print() -> None:
            try:
                self.wait()
            finally:
                for line in lines:
                    print(line, flush=True)

        threading.Thread(target=wait_then_print, name="okrs-started", daemon=True).start()

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    # The consumer finishes the task in hand on SIGTERM; give it the time a task may take.
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=REQUEST_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def serve(
    host: str,
    port: int,
    workers: int,
    threads: int,
    *,
    ready_lines: Sequence[str] = (),
    started: StartUp | None = None,
) -> None:
    """gunicorn's threaded workers: `workers` forked processes of `threads` threads each.

    `ready_lines` are printed once the server listens and, given `started`, once every process
    has said it started, after their start-up log: where and as whom to sign in (`make demo`)
    is then the last thing on the screen, not scrolled away.
    """

    def when_ready(_server: object) -> None:
        if started is not None:
            started.print_once_started(ready_lines)
        else:
            for line in ready_lines:
                print(line, flush=True)

    def post_fork(_server: object, _worker: object) -> None:
        if started is not None:
            started.forked()

    def post_worker_init(_worker: object) -> None:
        if started is not None:
            started.web_process_started()

    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in {
                "bind": [_bind(host, port)],
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "timeout": REQUEST_TIMEOUT_SECONDS,
                "graceful_timeout": REQUEST_TIMEOUT_SECONDS,
                # Clients and proxies reuse their connections between requests. Longer than a
                # load balancer's idle timeout (60 s on most), so that a balancer never sends a
                # request on a connection the server is closing at that moment (a reset).
                "keepalive": 75,
                "proc_name": "okrs",
                # Its control socket has one fixed path per user: a second server would take it
                # over, and okrs is managed through its own commands and signals.
                "control_socket_disable": True,
                "when_ready": when_ready,
                "post_fork": post_fork,
                "post_worker_init": post_worker_init,
                "errorlog": "-",
                "loglevel": "info",
                # Each process's heartbeat file (made with mkstemp, private) lives in memory,
                # not on a disk that may stall and get healthy processes killed.
                "worker_tmp_dir": SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None,
            }.items():
                self.cfg.set(key, value)

        def load(self) -> Callable[..., Any]:
            from okrs.wsgi import application

            return application

    Server().run()
