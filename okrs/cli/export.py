"""okrs export: write the plan as the YAML `okrs apply` reads (docs/okrs-as-code.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from okrs.ascode.export import export_plan
from okrs.cli import CommandError
from okrs.goals.models import Cycle


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("export", help="write the plan as YAML to standard output")
    parser.add_argument("--cycle", help="only this cycle's objectives")
    parser.set_defaults(handler=run)


def run(options: argparse.Namespace) -> int:
    if options.cycle and not Cycle.objects.filter(key=options.cycle).exists():
        raise CommandError(f"no cycle {options.cycle!r}")
    sys.stdout.write(export_plan(options.cycle))
    return 0
