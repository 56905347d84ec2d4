"""okrs serve: the web app, the API and (by default) the background worker in one process."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from django.conf import settings
from django.core.management import call_command

from okrs.runtime import tune_for_serving

log = logging.getLogger("okrs.serve")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the web app, the API and the background worker"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
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


def run(options: argparse.Namespace) -> int:
    import uvicorn

    from okrs.asgi import application
    from okrs.cli.worker import start_consumer

    if embedded_database():
        # One command on a fresh machine: the embedded database is created or upgraded here.
        # Scaled-out deployments run `okrs migrate` once instead of racing from every process.
        call_command("migrate", interactive=False, verbosity=0)
    tune_for_serving()
    run_worker = options.worker
    if run_worker is None:
        run_worker = settings.HUEY["huey_class"] == "huey.SqliteHuey"
    consumer = start_consumer() if run_worker else None
    log.info(
        "okrs serving on http://%s:%d/ (background worker %s)",
        options.host,
        options.port,
        "in this process" if consumer else "not in this process",
    )
    try:
        # Django's ASGI handler has no start-up or shutdown hooks: say so instead of letting
        # uvicorn probe for them and log that the protocol "appears unsupported".
        uvicorn.run(
            application, host=options.host, port=options.port, log_level="info", lifespan="off"
        )
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)
    return 0
