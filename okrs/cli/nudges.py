"""okrs nudges plan|send: who would be nudged and why the others are not; send what is due."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from okrs.cli import CommandError
from okrs.cli.common import instant
from okrs.org.models import Organisation, Person


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("nudges", help="plan and send check-in nudges")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    plan = actions.add_parser(
        "plan", help="who would be nudged at a time, on which channel, and why others are not"
    )
    plan.add_argument("--as-of", dest="as_of", help="ISO date or date-time (default: now)")
    plan.add_argument("--format", choices=("text", "json"), default="text")
    plan.set_defaults(handler=run_plan)
    send = actions.add_parser("send", help="send the nudges due now (the worker does this too)")
    send.set_defaults(handler=run_send)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment else None


def plan_json(as_of: dt.datetime) -> dict[str, Any]:
    from okrs.channels.base import channel_for
    from okrs.nudges import rules
    from okrs.nudges.planner import plan_nudges

    plan = plan_nudges(as_of)
    facts = plan.facts
    senders = {d.person_id for d in plan.to_send()}
    people = {p.pk: p for p in Person.objects.filter(pk__in=senders)}
    channels: dict[int, str] = {}
    for pk, person in people.items():
        try:
            channels[pk] = channel_for(person).name
        except Exception as exc:  # a broken channel package: say so instead of crashing
            raise CommandError(f"choosing the channel of {person.email} failed: {exc}") from exc
    nudges, others = [], []
    for decision in plan.decisions:
        info = facts.people[decision.person_id]
        owner = facts.owners.get(decision.person_id)
        digest = bool(decision.team_keys) or decision.action == rules.DIGEST
        entry: dict[str, Any] = {
            "person": info.email,
            "name": info.name,
            "kind": decision.action or ("digest" if digest else "nudge"),
        }
        if decision.action is not None:
            entry.update(
                channel=channels.get(decision.person_id, "email"),
                due_at=_iso(decision.due_at),
                week_start=decision.week.start_date.isoformat() if decision.week else None,
                timezone=owner.timezone if owner else None,
                checkin_day=owner.checkin_day if owner and not digest else None,
                key_results=[facts.refs[k] for k in decision.key_result_ids],
                teams=list(decision.team_keys),
                reason=decision.reason,
                detail=rules.explain(decision),
            )
            nudges.append(entry)
        else:
            entry.update(
                reason=decision.reason,
                detail=rules.explain(decision),
                next_at=_iso(decision.next_at),
                teams=list(decision.team_keys),
            )
            others.append(entry)
    return {
        "as_of": _iso(as_of),
        "cycles": [c.key for c in facts.cycles],
        "cycle_names": [c.label for c in facts.cycles],
        "nudges": nudges,
        "not_nudged": others,
    }


def run_plan(options: argparse.Namespace) -> int:
    org = Organisation.current()
    as_of = instant(options.as_of, org, option="--as-of")
    data = plan_json(as_of)
    if options.format == "json":
        print(json.dumps(data, indent=2))
    else:
        print(render_text(data))
    return 0


def render_text(data: dict[str, Any]) -> str:
    running = data.get("cycle_names") or data["cycles"]
    cycles = (
        f"{'cycle' if len(running) == 1 else 'cycles'} running: {', '.join(running)}"
        if running
        else "no running cycle"
    )
    # To the minute, as the lines below give their times ("next at 2026-11-16 10:00 UTC").
    as_of = dt.datetime.fromisoformat(data["as_of"].replace("Z", "+00:00")).astimezone(dt.UTC)
    lines = [f"Nudges as of {as_of:%Y-%m-%d %H:%M} UTC ({cycles})", ""]
    lines.append(f"Would be sent ({len(data['nudges'])}):")
    for n in data["nudges"]:
        what = ", ".join(n["key_results"]) if n["kind"] != "digest" else ", ".join(n["teams"])
        where = f"{n['timezone']}" + (f", {n['checkin_day']}" if n.get("checkin_day") else "")
        lines.append(
            f"  {n['person']:<32} {n['kind']:<8} by {n['channel']:<6} due {n['due_at']} ({where})"
        )
        lines.append(f"      {what}")
    if not data["nudges"]:
        lines.append("  nobody")
    # The rest, soonest first: what comes next is what people running the demo look for.
    coming = sorted(
        (n for n in data["not_nudged"] if n["next_at"]), key=lambda n: (n["next_at"], n["person"])
    )
    never = [n for n in data["not_nudged"] if not n["next_at"]]
    lines += ["", f"Not nudged now ({len(coming)}), soonest next first:"]
    for n in coming:
        label = "digest: " if n["kind"] == "digest" else ""
        lines.append(f"  {n['person']:<32} {label}{n['detail']}")
    lines += ["", f"Nothing planned ({len(never)}):"]
    for n in never:
        lines.append(f"  {n['person']:<32} {n['detail']}")
    return "\n".join(lines)


def run_send(options: argparse.Namespace) -> int:
    from okrs.nudges.planner import plan_and_create
    from okrs.nudges.sender import send_due

    created = plan_and_create()
    report = send_due()
    print(f"{created} planned; {report}")
    return 0
