"""okrs manage ...: Django's own management commands (check --deploy, makemigrations, shell)."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management import execute_from_command_line


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "manage", help="run a Django management command (for operators and developers)"
    )
    parser.add_argument("arguments", nargs=argparse.REMAINDER)
    parser.set_defaults(handler=run)


def run(options: argparse.Namespace) -> int:
    execute_from_command_line(["okrs manage", *options.arguments])
    return 0
