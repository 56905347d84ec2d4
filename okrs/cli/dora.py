"""okrs dora: the five DORA metrics and bands of a service, a team or the organisation.

`--format json` prints exactly what GET /api/v1/dora answers; with `--detail`, exactly what
GET /api/v1/dora/detail answers (the figures and the rows behind them, a page at a time), read
by the same `dora_detail_document`. The text names services by name and writes instants to
the minute in the scope's time zone, as the DORA pages do.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from okrs.cli import CommandError
from okrs.numbers import amount, duration_text, per_day
from okrs.timeutil import moment_text


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
    parser.add_argument(
        "--detail",
        action="store_true",
        help="also the rows behind each figure: the failed deployments and why, the "
        "remediations and their rule, the deployments with their changes and lead times",
    )
    parser.add_argument(
        "--limit", metavar="N", help="with --detail: rows per list (default 100, at most 500)"
    )
    parser.add_argument(
        "--offset", metavar="N", help="with --detail: the first row of each list (default 0)"
    )
    parser.set_defaults(handler=run)


def run(options: argparse.Namespace) -> int:
    from okrs.metrics.delivery.dora_detail import dora_detail_document
    from okrs.metrics.delivery.selectors import DoraQueryInvalid, ScopeNotFound, dora_document

    if not options.detail and (options.limit is not None or options.offset is not None):
        raise CommandError("--limit and --offset page the rows of --detail", status=2)
    scope = {"service": options.service, "team": options.team}
    try:
        if options.detail:
            document = dora_detail_document(
                **scope,
                start=options.start,
                end=options.end,
                limit=options.limit,
                offset=options.offset,
            )
        else:
            document = dora_document(**scope, start=options.start, end=options.end)
    except ScopeNotFound as exc:
        raise CommandError(str(exc)) from exc
    except DoraQueryInvalid as exc:
        raise CommandError(str(exc), status=2) from exc
    if options.format == "json":
        print(json.dumps(document, indent=2))
    elif options.detail:
        print(render_text(document))
        print()
        print(render_detail(document["detail"], document["timezone"]))
    else:
        print(render_text(document))
    return 0


def _percent(value: float | None) -> str:
    return "no deployments" if value is None else amount(value, "%")


def _spread(median: float | None, p90: float | None, missing: str) -> str:
    """ "median 2.4 h, p90 1.5 days", or what a missing median means in words."""
    if median is None:
        return missing
    return f"median {duration_text(median)}, p90 {duration_text(p90, none='none')}"


def _band(band: str | None) -> str:
    return f"[{band}]" if band else "[no band]"


def render_text(doc: dict[str, Any]) -> str:
    scope = doc["scope"]
    title = (
        "the whole organisation"
        if scope["kind"] == "organisation"
        else f"{scope['kind']} {scope['key']} ({scope['name']})"
    )
    window, tz_name = doc["window"], doc["timezone"]
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
    recovery_missing = "not recovered yet" if rec["failures"] else "no failures"
    lines = [
        f"DORA metrics for {title}",
        f"  window    {moment_text(window['from'], tz_name)} to "
        f"{moment_text(window['to'], tz_name)} ({window['days']:g} days, [from, to)), "
        f"times and weeks in {tz_name}",
        f"  services  {services}",
        "",
        f"  deployment frequency     {per_day(f['per_day'])} ({f['deployments']} deployments; "
        f"{typical})  {_band(f['band'])}",
        f"  change lead time         "
        f"{_spread(lt['median_hours'], lt['p90_hours'], 'no changes')} "
        f"({_count(lt['changes'], 'changes')})  {_band(lt['band'])}",
        f"  change failure rate      {_percent(cfr['percent'])} ({cfr['failed_deployments']} of "
        f"{cfr['deployments']} deployments)  {_band(cfr['band'])}",
        f"  recovery time            "
        f"{_spread(rec['median_hours'], rec['p90_hours'], recovery_missing)} "
        f"({_count(rec['failures'], 'failures')}{unresolved})  {_band(rec['band'])}",
        f"  deployment rework rate   {_percent(rw['percent'])} ({rw['remediation_deployments']} "
        f"of {rw['deployments']} deployments)  [no band in the 2023 report]",
        "",
        f"Bands: {doc['bands_source']}.",
    ]
    return "\n".join(lines)


# --- the rows behind the figures (--detail) -----------------------------------------------------

ATTRIBUTION = {
    "explicit": "linked explicitly (the event named it)",
    "time_window": "linked by time (the latest deployment before it opened)",
}


def _count(n: int, noun: str) -> str:
    return amount(n, noun, grouping=False)


def _shown(section: dict[str, Any], noun: str) -> str:
    """ "2 failures", or "250 failures, rows 101 to 200 shown (--offset 200 for more)"."""
    total, rows, offset = section["total"], len(section["rows"]), section["offset"]
    counted = _count(total, noun)
    if rows == total:
        return counted
    if not rows:
        return f"{counted}, none from row {offset + 1}"
    more = f" (--offset {offset + rows} for more)" if offset + rows < total else ""
    return f"{counted}, rows {offset + 1} to {offset + rows} shown{more}"


def _deployment(ref: dict[str, Any], tz_name: str) -> str:
    return (
        f"{ref['id']} ({ref['service_name']}, finished {moment_text(ref['finished_at'], tz_name)})"
    )


def _failure_lines(row: dict[str, Any], tz_name: str) -> list[str]:
    why = row["why"]
    incident, remediation = row["incident"], row["remediation"]
    if incident:
        linked = ATTRIBUTION.get(incident["attribution"], "linked by nothing")
        why += f': incident {incident["id"]} "{incident["title"]}", {linked}'
    if remediation:
        why += (
            f": remediation {remediation['id']} at "
            f"{moment_text(remediation['finished_at'], tz_name)}"
        )
    if row["recovery_hours"] is None:
        recovery = "unresolved"
    else:
        recovery = (
            f"resolved {moment_text(row['resolved_at'], tz_name)}, "
            f"recovery {duration_text(row['recovery_hours'])}"
        )
    return [
        f"  {_deployment(row['deployment'], tz_name)}",
        f"      why: {why}",
        f"      began {moment_text(row['began_at'], tz_name)}, {recovery}",
    ]


def _remediation_lines(row: dict[str, Any], tz_name: str) -> list[str]:
    kind = row["kind"] + (f", names {row['names']}" if row["names"] else "")
    rule = row["why"]
    if row["incident"]:
        rule += f": incident {row['incident']['id']}"
    if row["marks"]:
        rule += f"; counts {_deployment(row['marks'], tz_name)} as failed"
    return [f"  {_deployment(row['deployment'], tz_name)}, {kind}", f"      rule: {rule}"]


def _deployment_lines(row: dict[str, Any], tz_name: str) -> list[str]:
    notes = "".join(
        f", {note}" for note in (row["remediation"], "failed" if row["failed"] else None) if note
    )
    lines = [
        f"  {row['id']} ({row['service_name']}, finished "
        f"{moment_text(row['finished_at'], tz_name)}{notes})"
    ]
    for change in row["changes"]:
        request = f" #{change['pull_request']}" if change["pull_request"] else ""
        lines.append(
            f"      change {change['commit']}{request}, first commit "
            f"{moment_text(change['first_commit_at'], tz_name, none='unknown')}: lead time "
            f"{duration_text(change['lead_hours'], none='unknown')}"
        )
    if not row["changes"]:
        lines.append("      no changes")
    return lines


def render_detail(detail: dict[str, Any], tz_name: str) -> str:
    """The rows behind the figures, as the detail page lists them: failures, remediations,
    deployments (oldest first), each list a page of the whole, their instants in `tz_name`."""
    failures, remediations, deployments = (
        detail["failures"],
        detail["remediations"],
        detail["deployments"],
    )
    lines = [
        f"Failed deployments and their recovery: "
        f"{_count(failures['failed_deployments'], 'deployments')} failed, "
        f"{_shown(failures, 'failures')}",
    ]
    for row in failures["rows"]:
        lines += _failure_lines(row, tz_name)
    lines += [
        "",
        f"Remediations and the rule each fell under: {_shown(remediations, 'remediations')}",
    ]
    for row in remediations["rows"]:
        lines += _remediation_lines(row, tz_name)
    lines += [
        "",
        f"Successful production deployments and their changes: "
        f"{_shown(deployments, 'deployments')}",
    ]
    for row in deployments["rows"]:
        lines += _deployment_lines(row, tz_name)
    lines += ["", "Lead time: the deployment's finish minus the change's first commit."]
    return "\n".join(lines)
