"""okrs report: the quarterly business review of a cycle, as Markdown, HTML or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from okrs.cli import CommandError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report", help="quarterly business review of a cycle (Markdown, HTML or JSON)"
    )
    parser.add_argument(
        "--cycle", metavar="KEY", help="cycle key, like 2026-Q4 (default: the current cycle)"
    )
    parser.add_argument(
        "--team", metavar="KEY", help="team key (with its sub-teams; default: the whole company)"
    )
    parser.add_argument("--format", choices=("md", "html", "json"), default="md")
    parser.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.set_defaults(handler=run)


def run(options: argparse.Namespace) -> int:
    from django.utils import timezone

    from okrs.goals.evaluation import current_cycle
    from okrs.goals.models import Cycle
    from okrs.org.models import Team
    from okrs.reports.render import render

    if options.cycle:
        cycle = Cycle.objects.filter(key=options.cycle).first()
    else:
        cycle = current_cycle(timezone.now())
        if cycle is None:
            raise CommandError("there are no cycles yet: load a plan with `okrs apply FILE`")
    if cycle is None:
        known = ", ".join(Cycle.objects.values_list("key", flat=True)) or "none yet"
        raise CommandError(f"no cycle {options.cycle!r} (cycles: {known})")
    team = None
    if options.team:
        team = Team.objects.filter(key=options.team).first()
        if team is None:
            raise CommandError(f"no team {options.team!r}")
    text = render(cycle=cycle, team=team, fmt=options.format)
    if options.output:
        try:
            Path(options.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {options.output}: {exc.strerror or exc}") from exc
        print(f"wrote {options.output}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
