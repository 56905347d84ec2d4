"""The `okrs` command (README.md, "Command line").

Each subcommand lives in its own module of this package.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# Module names, in the order `okrs --help` lists them. Each exposes register(subparsers).
COMMANDS = (
    "serve",
    "worker",
    "migrate",
    "demo",
    "apply",
    "export",
    "lint",
    "status",
    "report",
    "checkin",
    "nudges",
    "dora",
    "effort",
    "teams",
    "token",
    "user",
    "manage",
)


class CommandError(Exception):
    """A failure to report to the person in one line, with exit status 1 (2 for usage)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="okrs", description="Self-hosted OKRs for engineering and ops teams."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"okrs.cli.{name}").register(subparsers)
    return parser


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okrs.settings")
    import django

    django.setup()


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    from okrs.config import ConfigError

    try:
        setup_django()
        parser = build_parser()
        options = parser.parse_args(args)
        result: int | None = options.handler(options)
    except ConfigError as exc:
        print(f"okrs: configuration: {exc}", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"okrs: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `okrs status | head`: the reader left. Point stdout at /dev/null so that Python's
        # final flush does not print a traceback, and end quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return result or 0
