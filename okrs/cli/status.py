"""okrs status: scores and statuses of a cycle, for people (text) or scripts (json)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from okrs import numbers
from okrs.cli import CommandError
from okrs.cli.common import instant, number, percent
from okrs.goals.evaluation import CycleState, current_cycle, evaluate_cycle
from okrs.goals.models import Cycle
from okrs.goals.present import CycleScores, as_json
from okrs.org.models import Organisation, Team

STATUS_LABEL = {"on_track": "on track", "at_risk": "AT RISK", "off_track": "OFF TRACK", None: "-"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("status", help="scores and statuses")
    parser.add_argument("--cycle", help="cycle key (default: the current cycle)")
    parser.add_argument("--team", help="team key (includes its sub-teams)")
    parser.add_argument("--as-of", dest="as_of", help="ISO date or date-time (default: now)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=run)


def run(options: argparse.Namespace) -> int:
    org = Organisation.current()
    as_of = instant(options.as_of, org, option="--as-of")
    if options.cycle:
        cycle = Cycle.objects.filter(key=options.cycle).first()
        if cycle is None:
            raise CommandError(f"no cycle {options.cycle!r}")
    else:
        cycle = current_cycle(as_of, org)
        if cycle is None:
            raise CommandError("there are no cycles yet: load a plan with `okrs apply FILE`")
    team = None
    if options.team:
        team = Team.objects.filter(key=options.team).first()
        if team is None:
            raise CommandError(f"no team {options.team!r}")
    state = evaluate_cycle(cycle, as_of=as_of, team=team, organisation=org)
    if options.format == "json":
        print(json.dumps(as_json(CycleScores.of(state)), indent=2))
    else:
        print(render_text(state))
    return 0


def render_text(state: CycleState) -> str:
    lines = [f"{state.cycle.label}  as of {state.as_of:%Y-%m-%d %H:%M} UTC", ""]
    if not state.objectives:
        lines.append("No objectives.")
    for objective in state.objectives:
        o = objective.objective
        team = f"[{o.team.key}] " if o.team else f"[{o.level}] "
        lines.append(
            f"{team}{o.title}  {percent(objective.score)}  {STATUS_LABEL[objective.status]}"
        )
        lines.append(f"    {o.key}, owner {o.owner.email}")
        for kr in objective.key_results:
            k, r = kr.key_result, kr.result
            flags = [STATUS_LABEL[r.status]]
            if r.stale:
                flags.append("stale")
            if kr.drifting:
                flags.append("drifting")
            forecast = numbers.forecast_amount(
                r.forecast, k.unit, baseline=k.baseline, target=k.target, grouping=False
            )
            forecast = f", forecast {forecast}" if r.forecast is not None else ""
            if k.kind == numbers.MILESTONE:
                # Done or not: no span to travel, no forecast along a line.
                reading, forecast = (
                    f"milestone, {numbers.kind_amount(r.current, k.unit, k.kind)}",
                    "",
                )
            else:
                # The value just before the span carries the unit: "2297 teams (from 1800 to 2400)".
                span = numbers.from_to(
                    k.baseline, k.target, k.unit, grouping=False, after_value=r.current is not None
                )
                reading = f"{number(r.current, k.unit)} ({span})"
            lines.append(
                f"  - {k.title}\n"
                f"      {k.ref}: {reading}, "
                f"score {percent(r.score)}, expected {percent(r.expected)}{forecast}; "
                f"{', '.join(flags)}; owner {k.owner.email}"
            )
        lines.append("")
    return "\n".join(lines).rstrip()
