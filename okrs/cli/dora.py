"""okrs dora: the five DORA metrics and bands of a service, a team or the organisation.

`--format json` prints exactly what GET /api/v1/dora answers.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from okrs.cli import CommandError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dora", help="the five DORA metrics and bands, as the API gives them"
    )
    parser.add_argument("--service", metavar="KEY", help="service key")
    parser.add_argument("--team", metavar="KEY", help="team key (includes its sub-teams' services)")
    parser.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        help="ISO date or date-time, inclusive (default: 30 days before --to)",
    )
    parser.add_argument(
        "--to", dest="end", metavar="DATE", help="ISO date or date-time, exclusive (default: now)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=run)


def run(options: argparse.Namespace) -> int:
    from okrs.metrics.delivery.selectors import DoraQueryInvalid, ScopeNotFound, dora_document

    try:
        document = dora_document(
            service=options.service, team=options.team, start=options.start, end=options.end
        )
    except ScopeNotFound as exc:
        raise CommandError(str(exc)) from exc
    except DoraQueryInvalid as exc:
        raise CommandError(str(exc), status=2) from exc
    if options.format == "json":
        print(json.dumps(document, indent=2))
    else:
        print(render_text(document))
    return 0


def _hours(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 60:.0f} min"
    if value < 48:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} days"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _band(band: str | None) -> str:
    return f"[{band}]" if band else "[no band]"


def render_text(doc: dict[str, Any]) -> str:
    scope = doc["scope"]
    title = (
        "the whole organisation"
        if scope["kind"] == "organisation"
        else f"{scope['kind']} {scope['key']} ({scope['name']})"
    )
    window = doc["window"]
    f, lt, cfr = doc["deployment_frequency"], doc["lead_time"], doc["change_failure_rate"]
    rec, rw = doc["recovery_time"], doc["rework_rate"]
    services = ", ".join(doc["services"]) or "none"
    days_per_week = f["deploy_days_per_week"]
    typical = (
        f"a typical week has deployments on {days_per_week:g} of its days"
        if days_per_week is not None
        else "no whole week in the window"
    )
    unresolved = f", {rec['unresolved']} unresolved" if rec["unresolved"] else ""
    lines = [
        f"DORA metrics for {title}",
        f"  window    {window['from']} to {window['to']} ({window['days']:g} days, "
        f"[from, to)), weeks in {doc['timezone']}",
        f"  services  {services}",
        "",
        f"  deployment frequency     {f['per_day']:.2f} per day ({f['deployments']} deployments; "
        f"{typical})  {_band(f['band'])}",
        f"  change lead time         median {_hours(lt['median_hours'])}, "
        f"p90 {_hours(lt['p90_hours'])} ({lt['changes']} changes)  {_band(lt['band'])}",
        f"  change failure rate      {_percent(cfr['percent'])} ({cfr['failed_deployments']} of "
        f"{cfr['deployments']} deployments)  {_band(cfr['band'])}",
        f"  recovery time            median {_hours(rec['median_hours'])}, "
        f"p90 {_hours(rec['p90_hours'])} ({rec['failures']} failures{unresolved})  "
        f"{_band(rec['band'])}",
        f"  deployment rework rate   {_percent(rw['percent'])} ({rw['remediation_deployments']} "
        f"of {rw['deployments']} deployments)  [no band in the 2023 report]",
        "",
        f"Bands: {doc['bands_source']}.",
    ]
    return "\n".join(lines)
