"""okrs worker: background work only (periodic tasks and queued jobs), for scaled deployments."""

from __future__ import annotations

import argparse
from typing import Any, cast

from django.conf import settings
from huey.consumer import Consumer

from okrs.runtime import tune_for_serving


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("worker", help="run background work only")
    parser.add_argument("--workers", type=int, default=2, help="worker threads (default 2)")
    parser.set_defaults(handler=run)


def make_consumer(workers: int | None = None) -> Consumer:
    from huey.contrib.djhuey import HUEY

    huey_settings = cast(dict[str, Any], settings.HUEY)
    options: dict[str, Any] = dict(huey_settings["consumer"])
    if workers is not None:
        options["workers"] = workers
    return HUEY.create_consumer(**options)


def start_consumer() -> Consumer:
    """Start the consumer's threads beside the web server; the caller stops it."""
    consumer = make_consumer()
    consumer.start()
    return consumer


def run(options: argparse.Namespace) -> int:
    tune_for_serving()
    make_consumer(options.workers).run()
    return 0
