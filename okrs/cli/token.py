"""okrs token create: a new API token for a person, printed once and stored only as a hash."""

from __future__ import annotations

import argparse
from typing import Any

from okrs.cli.common import person
from okrs.org import audit
from okrs.org.models import ApiToken


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("token", help="API tokens")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="print a new API token for a person (shown once)")
    create.add_argument("email")
    create.add_argument("--name", default="", help="what the token is for")
    create.set_defaults(handler=run_create)


def run_create(options: argparse.Namespace) -> int:
    owner = person(options.email)
    row, token = ApiToken.issue(owner, options.name)
    audit.record(
        audit.Actor(None, "cli", trusted=True),
        action="create",
        entity="api_token",
        ref=f"{owner.email}:{row.hint}",
        after={"name": row.name, "person": owner.email, "hint": row.hint},
    )
    print(token)
    return 0
