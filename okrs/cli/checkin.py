"""okrs checkin: record a check-in from the command line, or backfill history with --at."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.utils import timezone

from okrs.cli import CommandError
from okrs.cli.common import instant, key_result, number, percent, person
from okrs.goals.checkins.services import CheckInInvalid, record_checkin
from okrs.goals.evaluation import evaluate_key_result
from okrs.org.audit import Actor
from okrs.org.models import Organisation
from okrs.timeutil import is_bare_date, parse_instant


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("checkin", help="record a check-in")
    parser.add_argument("ref", metavar="KR_REF", help="OBJECTIVE_KEY/KR_KEY")
    parser.add_argument("--value", type=float, required=True)
    parser.add_argument("--confidence", choices=("on_track", "at_risk", "off_track"))
    parser.add_argument("--note", default="")
    parser.add_argument("--as", dest="author", metavar="EMAIL", help="who is checking in")
    parser.add_argument(
        "--at", help="when the value was true (ISO date or date-time; never in the future)"
    )
    parser.set_defaults(handler=run)


def run(options: argparse.Namespace) -> int:
    org = Organisation.current()
    kr = key_result(options.ref)
    author = person(options.author) if options.author else kr.owner
    at = timezone.now()
    if options.at and is_bare_date(options.at):
        # A bare date backfills "that day": noon in the organisation's zone (or now, for today).
        try:
            start = parse_instant(options.at, org.timezone, date_means="start")
        except ValueError as exc:
            raise CommandError(f"--at: {exc}", status=2) from exc
        if start > at:
            raise CommandError(f"--at {options.at}: a check-in cannot be in the future")
        at = min(start + dt.timedelta(hours=12), at)
    elif options.at:
        at = instant(options.at, org, option="--at")
    try:
        checkin = record_checkin(
            key_result=kr,
            value=options.value,
            confidence=options.confidence,
            note=options.note,
            at=at,
            actor=Actor(author, "cli", trusted=True),
        )
    except CheckInInvalid as exc:
        raise CommandError(str(exc)) from exc
    result = evaluate_key_result(kr, as_of=max(timezone.now(), checkin.at)).result
    print(
        f"Checked in {kr.ref} = {number(checkin.value, kr.unit)} at {checkin.at:%Y-%m-%d %H:%M} "
        f"UTC by {author.email}; status {result.status}, score {percent(result.score)}."
    )
    return 0
