"""okrs token create: a new API token for a person, or with --scim the identity provider's SCIM
token; printed once and stored only as a hash."""

from __future__ import annotations

import argparse
from typing import Any

from okrs.cli import CommandError
from okrs.cli.common import person
from okrs.org import audit
from okrs.org.models import ApiToken
from okrs.scim.models import ScimToken


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("token", help="API tokens")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create", help="print a new API token for a person, or a SCIM token (shown once)"
    )
    create.add_argument("email", nargs="?", help="whose API token (not with --scim)")
    create.add_argument("--name", default="", help="what the token is for")
    create.add_argument(
        "--scim",
        action="store_true",
        help="a token for an identity provider's SCIM provisioning (/scim/v2/), and nothing else",
    )
    create.set_defaults(handler=run_create)


def run_create(options: argparse.Namespace) -> int:
    if options.scim:
        if options.email:
            raise CommandError("a SCIM token belongs to no person: leave out the email", 2)
        scim_row, token = ScimToken.issue(options.name)
        audit.record(
            audit.Actor(None, "cli", trusted=True),
            action="create",
            entity="scim_token",
            ref=scim_row.hint,
            after={"name": scim_row.name, "hint": scim_row.hint},
        )
        print(token)
        return 0
    if not options.email:
        raise CommandError("whose token? give their email (or --scim for a SCIM token)", 2)
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
