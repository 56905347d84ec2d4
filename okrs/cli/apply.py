"""okrs apply FILE: make the database match a plan file (docs/okrs-as-code.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from okrs.ascode.apply import apply_file, format_changes
from okrs.ascode.problems import PlanInvalid
from okrs.cli import CommandError
from okrs.org.audit import Actor


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("apply", help="make the database match a plan file")
    parser.add_argument("file", metavar="FILE", help="the plan; - reads standard input")
    parser.add_argument(
        "--prune", action="store_true", help="also remove what the file no longer holds"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="list the changes without making them"
    )
    parser.set_defaults(handler=run)


def run(options: argparse.Namespace) -> int:
    actor = Actor(None, "cli", trusted=True)
    try:
        result = apply_file(options.file, actor=actor, prune=options.prune, dry_run=options.dry_run)
    except PlanInvalid as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        count = len(exc.problems)
        raise CommandError(
            f"{options.file}: {count} error{'s' if count != 1 else ''}; nothing was changed"
        ) from exc
    except OSError as exc:
        raise CommandError(f"{options.file}: {exc.strerror}") from exc
    if options.dry_run:
        print("Dry run: nothing was changed.")
    for line in format_changes(result):
        print(line)
    return 0
