"""okrs migrate: create or upgrade the database."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management import call_command


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("migrate", help="create or upgrade the database")
    parser.set_defaults(handler=run)


def run(options: argparse.Namespace) -> int:
    call_command("migrate", interactive=False, verbosity=1)
    return 0
