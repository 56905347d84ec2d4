"""okrs effort: person-weeks per company goal, objective, key result and initiative.

`--format json` prints exactly what GET /api/v1/effort answers. `--backfill` makes work items of
the pull requests stored before effort was counted (okrs.metrics.effort.services);
`--refresh-epics` asks Jira again for every issue's epic.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from okrs.cli import CommandError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "effort",
        help="effort per company goal, objective, key result and initiative, and unlinked work",
    )
    parser.add_argument("--cycle", metavar="KEY", help="cycle key")
    parser.add_argument("--team", metavar="KEY", help="team key (includes its sub-teams)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--backfill",
        action="store_true",
        help="first make work items of the merged pull requests already stored",
    )
    parser.add_argument(
        "--refresh-epics",
        action="store_true",
        help="forget each issue's Jira epic and ask Jira again (an issue moved to another epic)",
    )
    parser.set_defaults(handler=run)


def run(options: argparse.Namespace) -> int:
    from django.utils import timezone

    from okrs.goals.models import Cycle
    from okrs.metrics.effort.selectors import as_json, effort_report
    from okrs.metrics.effort.services import (
        backfill_work_items,
        refresh_epics,
        relink_work_items,
    )
    from okrs.metrics.sources.registry import SourceError
    from okrs.org.models import Team

    if options.refresh_epics:
        try:
            asked = refresh_epics()
        except SourceError as error:
            raise CommandError(f"cannot ask Jira: {error}") from None
        print(f"asked Jira for the epic of {asked} issue{'s' if asked != 1 else ''}")
        if not options.cycle and not options.backfill:
            return 0
    if options.backfill:
        added = backfill_work_items()
        relink_work_items()
        print(f"{added} work item{'s' if added != 1 else ''} added from stored deliveries")
        if not options.cycle:
            return 0
    if not options.cycle:
        raise CommandError("--cycle is required (a cycle key such as 2026-Q4)", status=2)
    cycle = Cycle.objects.filter(key=options.cycle).first()
    if cycle is None:
        raise CommandError(f"no cycle {options.cycle!r}")
    team = None
    if options.team:
        team = Team.objects.filter(key=options.team).first()
        if team is None:
            raise CommandError(f"no team {options.team!r}")
    now = timezone.now()
    document = as_json(effort_report(cycle, as_of=now, team=team))
    if options.format == "json":
        print(json.dumps(document, indent=2))
    else:
        print(render_text(document, cycle_label=cycle.label))
        for line in _coach_lines(document, now=now):
            print(line)
    return 0


def _coach_lines(document: dict[str, Any], *, now: Any) -> list[str]:
    """The coach's OKR013 for the answer's initiatives that no work links to."""
    from okrs.coach.work import unlinked_initiatives
    from okrs.goals.models import Initiative

    refs = {entry["ref"] for entry in document["initiatives"]}
    initiatives = [
        i
        for i in Initiative.objects.filter(objective__cycle__key=document["cycle"]).select_related(
            "objective__cycle"
        )
        if f"{i.objective.key}/{i.key}" in refs
    ]
    findings = unlinked_initiatives(initiatives, now=now).values()
    lines = [f"{f.rule} {f.severity} {f.ref}: {f.message}; {f.suggestion}" for f in findings]
    return ["", *lines] if lines else []


def _figures(entry: dict[str, Any]) -> str:
    return (
        f"{entry['person_weeks']:6.1f} pw {entry['share'] * 100:5.1f}%  "
        f"{entry['work_items']:4d} items {entry['authors']:3d} authors"
    )


def _score(entry: dict[str, Any]) -> str:
    if entry["score_change"] is None:
        return ""
    change = entry["score_change"] * 100
    return (
        f"  score {entry['score_from'] * 100:.0f}% -> {entry['score_to'] * 100:.0f}% "
        f"({change:+.0f} points)"
    )


def render_text(doc: dict[str, Any], *, cycle_label: str) -> str:
    scope = f"team {doc['team']}" if doc["team"] else "the whole organisation"
    lines = [
        f"Effort in {cycle_label} for {scope}: {doc['person_weeks']:.1f} person-weeks over "
        f"{doc['weeks']} weeks, {doc['work_items']} work items by {doc['authors']} people",
        "",
    ]
    key_results: dict[str | None, list[dict[str, Any]]] = {}
    for kr in doc["key_results"]:
        key_results.setdefault(kr["objective"], []).append(kr)
    initiatives: dict[str, list[dict[str, Any]]] = {}
    for initiative in doc["initiatives"]:
        initiatives.setdefault(initiative["parent"], []).append(initiative)
    for goal in doc["goals"]:
        lines.append(f"{_figures(goal)}  {goal['title']}")
        for objective in (o for o in doc["objectives"] if o["goal"] == goal["ref"]):
            lines.append(f"{_figures(objective)}    {objective['ref']}: {objective['title']}")
            for kr in key_results.get(objective["ref"], []):
                lines.append(f"{_figures(kr)}      {kr['ref']}{_score(kr)}")
                for initiative in initiatives.get(kr["ref"], []):
                    lines.append(f"{_figures(initiative)}        {initiative['ref']}")
            for initiative in initiatives.get(objective["ref"], []):
                lines.append(f"{_figures(initiative)}      {initiative['ref']}")
    lines.append(f"{_figures(doc['unlinked'])}  Unlinked work (no initiative)")
    return "\n".join(lines)
