"""okrs worker: background work only (periodic tasks and queued jobs), for scaled deployments."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import stat
import sys
import threading
import time
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from huey.consumer import Consumer

from okrs.runtime import tune_for_serving

log = logging.getLogger("okrs.worker")

# How long the start-up work may take before the server says it has started anyway, and how
# long the queue must stay quiet to count as done.
SETTLE_LIMIT_SECONDS = 30.0
SETTLE_QUIET_SECONDS = 0.5


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("worker", help="run background work only")
    parser.add_argument("--workers", type=int, default=2, help="worker threads (default 2)")
    # `okrs serve` starts its worker with this, so that the worker does not outlive a server
    # that was killed outright (SIGKILL leaves no chance to stop the child).
    parser.add_argument("--exit-with-parent", type=int, metavar="PID", help=argparse.SUPPRESS)
    # ...and with this, to say on that descriptor when its first round of work is done, so that
    # the server's last start-up lines come after the worker's (see `okrs serve`).
    parser.add_argument("--started-fd", type=int, metavar="FD", help=argparse.SUPPRESS)
    parser.set_defaults(handler=run)


def make_consumer(workers: int | None = None) -> Consumer:
    from huey.contrib.djhuey import HUEY

    huey_settings = cast(dict[str, Any], settings.HUEY)
    options: dict[str, Any] = dict(huey_settings["consumer"])
    if workers is not None:
        options["workers"] = workers
    return HUEY.create_consumer(**options)


def _stop_when_orphaned(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        # The consumer's own SIGTERM handler finishes the task in hand, then stops.
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="okrs-parent-watch", daemon=True).start()


def _say_when_settled(huey: Any, fd: int) -> None:
    """Write one byte to `fd` once the work due at start-up is done: the periodic tasks the
    consumer enqueues as it starts and whatever they enqueue, with nothing queued or running
    for half a second, twice in a row; or after SETTLE_LIMIT_SECONDS, whichever comes first."""
    from huey import signals

    running: set[str] = set()
    # Nothing counts as done before the consumer's first enqueue: until then the queue is empty
    # only because the scheduler has not run yet.
    seen = {"enqueued": False, "changed": time.monotonic()}
    lock = threading.Lock()

    def follow(signal_name: str, task: Any, *_args: Any, **_kwargs: Any) -> None:
        with lock:
            if signal_name == signals.SIGNAL_ENQUEUED:
                seen["enqueued"] = True
            if signal_name == signals.SIGNAL_EXECUTING:
                running.add(task.id)
            elif signal_name not in (signals.SIGNAL_ENQUEUED, signals.SIGNAL_SCHEDULED):
                running.discard(task.id)
            seen["changed"] = time.monotonic()

    huey.signal()(follow)

    def quiet() -> bool:
        with lock:
            if not seen["enqueued"] or running:
                return False
            if time.monotonic() - float(seen["changed"]) < SETTLE_QUIET_SECONDS:
                return False
        return bool(huey.pending_count() == 0)

    def watch() -> None:
        deadline = time.monotonic() + SETTLE_LIMIT_SECONDS
        try:
            readings = 0
            while readings < 2 and time.monotonic() < deadline:
                readings = readings + 1 if quiet() else 0
                time.sleep(0.1)
        except Exception:  # the queue unreadable: say so, and let the server start anyway
            log.exception("could not tell when the start-up work was done")
        finally:
            huey.disconnect_signal(follow)
            with contextlib.suppress(OSError):
                os.write(fd, b"k")
            os.close(fd)

    threading.Thread(target=watch, name="okrs-started", daemon=True).start()


def _started_pipe(options: argparse.Namespace) -> int | None:
    """The descriptor `okrs serve` gave, if it is still the pipe it gave. It is said once: huey
    restarts the process on SIGHUP with the same arguments, when that descriptor is long closed
    and its number may be a database file's."""
    fd = options.started_fd
    if fd is None:
        return None
    at = sys.argv.index("--started-fd") if "--started-fd" in sys.argv else -1
    if at >= 0:
        del sys.argv[at : at + 2]
    try:
        return fd if stat.S_ISFIFO(os.fstat(fd).st_mode) else None
    except OSError:
        return None


def _restart_as_a_module() -> None:
    """huey restarts the worker on SIGHUP by running `python *sys.argv` again. Started as
    `python -m okrs worker`, sys.argv[0] is the path of okrs/__main__.py: run as a script, its
    directory would come first on the import path and okrs/numbers.py would hide the standard
    library's `numbers`. So the restart runs `python -m okrs ...` again, as it was started."""
    main = Path(sys.argv[0]).resolve() if sys.argv else None
    if main is not None and main == Path(__file__).resolve().parents[1] / "__main__.py":
        sys.argv[:1] = ["-m", "okrs"]


def run(options: argparse.Namespace) -> int:
    tune_for_serving()
    if options.exit_with_parent:
        _stop_when_orphaned(options.exit_with_parent)
    consumer = make_consumer(options.workers)
    started_fd = _started_pipe(options)
    if started_fd is not None:
        _say_when_settled(consumer.huey, started_fd)
    # huey's own start-up lines are below the log level (settings.LOGGING): say it once here.
    queue = "Redis" if settings.HUEY["huey_class"] == "huey.RedisHuey" else "SQLite"
    log.info("okrs worker started: %d threads on the %s queue", options.workers, queue)
    _restart_as_a_module()
    consumer.run()
    return 0
