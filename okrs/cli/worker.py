"""okrs worker: background work only (periodic tasks and queued jobs), for scaled deployments."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time
from typing import Any, cast

from django.conf import settings
from huey.consumer import Consumer

from okrs.runtime import tune_for_serving

log = logging.getLogger("okrs.worker")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("worker", help="run background work only")
    parser.add_argument("--workers", type=int, default=2, help="worker threads (default 2)")
    # `okrs serve` starts its worker with this, so that the worker does not outlive a server
    # that was killed outright (SIGKILL leaves no chance to stop the child).
    parser.add_argument("--exit-with-parent", type=int, metavar="PID", help=argparse.SUPPRESS)
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


def run(options: argparse.Namespace) -> int:
    tune_for_serving()
    if options.exit_with_parent:
        _stop_when_orphaned(options.exit_with_parent)
    consumer = make_consumer(options.workers)
    # huey's own start-up lines are below the log level (settings.LOGGING): say it once here.
    queue = "Redis" if settings.HUEY["huey_class"] == "huey.RedisHuey" else "SQLite"
    log.info("okrs worker started: %d threads on the %s queue", options.workers, queue)
    consumer.run()
    return 0
