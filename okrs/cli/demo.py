"""okrs demo: load the demo organisation (Acme) with a quarter of check-in history."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command

from okrs.cli import CommandError
from okrs.timeutil import parse_instant


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="load the demo organisation (idempotent: loading again changes nothing)"
    )
    parser.add_argument(
        "--today",
        help="ISO date or date-time the check-in history runs up to (default: now; never later)",
    )
    parser.set_defaults(handler=run)


def run(options: argparse.Namespace) -> int:
    # Safe on a fresh data directory: `make demo` migrates first, but `okrs demo` alone works too.
    call_command("migrate", interactive=False, verbosity=0)
    from okrs.ascode.problems import PlanInvalid
    from okrs.demo.load import DEMO_LEAD, DEMO_TIMEZONE, load_demo

    today = None
    if options.today:
        try:
            today = parse_instant(options.today, DEMO_TIMEZONE)
        except ValueError as exc:
            raise CommandError(f"--today: {exc}", status=2) from exc
    try:
        result = load_demo(today=today)
    except PlanInvalid as exc:
        # The demo plan ships with okrs, so this is a bug; show every problem to whoever reports it.
        raise CommandError("the demo plan is invalid:\n" + "\n".join(exc.lines())) from exc
    if result.plan_changes == 0 and result.checkins_added == 0:
        print("The demo organisation was already loaded; nothing changed.")
    else:
        print("Loaded the demo organisation, Acme.")
    print(
        f"  {result.people} people, {result.teams} teams; {result.cycle_name}: "
        f"{result.objectives} objectives, {result.key_results} key results, "
        f"{result.initiatives} initiatives"
    )
    print(f"  {result.plan_changes} plan changes, {result.checkins_added} check-ins added")
    print()
    command = okrs_command()
    # The port is `okrs serve`'s to say: it prints the address with the sign-ins.
    print("Serve it (it prints where to sign in, and as whom):")
    print(f"  {command} serve")
    print("Or get an API token:")
    print(f"  {command} token create {DEMO_LEAD}")
    print("Then see where the quarter stands:")
    print(f"  {command} status --cycle {result.cycle}")
    return 0


def sign_in_lines(address: str) -> list[str]:
    """Where and as whom to sign in, when the demo organisation is loaded (none otherwise):
    `okrs serve` prints them last before the server's own log, with the address it serves."""
    from django.db import DatabaseError

    from okrs.demo.load import DEMO_PASSWORD, demo_sign_ins

    try:
        sign_ins = demo_sign_ins()
    except DatabaseError:
        return []  # a database not migrated yet: the server says so on its first request
    if not sign_ins:
        return []
    width = max(len(person.email) for person, _ in sign_ins) + len(DEMO_PASSWORD) + 3
    lines = [f"The demo organisation is loaded. Sign in at {address} as:"]
    for person, role in sign_ins:
        credentials = f"{person.email} / {DEMO_PASSWORD}"
        lines.append(f"  {credentials:<{width}}  {person.name}, {role}")
    return lines


def okrs_command() -> str:
    """How the person can run okrs again: `okrs` when it is on their PATH, else the path they
    used (`make demo` runs .venv/bin/okrs without activating the environment)."""
    invoked = sys.argv[0] if sys.argv and sys.argv[0] else "okrs"
    if Path(invoked).name != "okrs" or shutil.which("okrs") == str(Path(invoked).resolve()):
        return "okrs"
    try:
        return str(Path(invoked).resolve().relative_to(Path.cwd()))
    except ValueError:
        return invoked
