"""okrs token create: a new API token for a person, or with --scim the identity provider's SCIM
token; printed once and stored only as a hash."""

from __future__ import annotations

import argparse
from typing import Any

from django.utils import timezone

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
    revoke = actions.add_parser("revoke", help="revoke a SCIM token, named by its first characters")
    revoke.add_argument(
        "hint", help="the token's first characters (at least 14), e.g. okrs_scim_AbCd"
    )
    revoke.add_argument("--scim", action="store_true", required=True, help="a SCIM token")
    revoke.set_defaults(handler=run_revoke)


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


def run_revoke(options: argparse.Namespace) -> int:
    hint = options.hint.strip()
    # Long enough to name one token: the prefix alone would name them all.
    if not hint.startswith(ScimToken.PREFIX) or len(hint) < len(ScimToken.PREFIX) + 4:
        raise CommandError(f"give the token's first characters: {ScimToken.PREFIX} and more", 2)
    rows = list(ScimToken.objects.filter(revoked_at__isnull=True, hint__startswith=hint[:16]))
    rows = [row for row in rows if hint.startswith(row.hint) or row.hint.startswith(hint)]
    if len(rows) != 1:
        found = "no" if not rows else "more than one"
        raise CommandError(f"{found} active SCIM token starts with {hint}")
    row = rows[0]
    before = {"name": row.name, "hint": row.hint, "revoked_at": None}
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    audit.record(
        audit.Actor(None, "cli", trusted=True),
        action="update",
        entity="scim_token",
        ref=row.hint,
        before=before,
        after={**before, "revoked_at": row.revoked_at.isoformat()},
    )
    print(f"revoked {row}")
    return 0
