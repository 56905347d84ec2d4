"""okrs user create: a person who can sign in, with a role."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from okrs.cli import CommandError
from okrs.org import audit
from okrs.org.models import Person, Role


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("user", help="people who can sign in")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a person who can sign in")
    create.add_argument("email")
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.MEMBER.value)
    create.add_argument("--name", default="")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.set_defaults(handler=run_create)


def run_create(options: argparse.Namespace) -> int:
    email = options.email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise CommandError(f"{email!r} is not an email address", status=2) from exc
    if options.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
    else:
        raise CommandError("give the password with --password-stdin", status=2)
    try:
        validate_password(password)
    except ValidationError as exc:
        raise CommandError("password: " + " ".join(exc.messages), status=2) from exc
    with transaction.atomic():
        found = Person.objects.filter(email=email).first()
        before = audit.snapshot(found) if found else None
        if found is None:
            found = Person.objects.create_user(
                email, password, role=options.role, name=options.name
            )
        else:
            # An existing person (for example created by `okrs apply`) gets a password and role.
            found.set_password(password)
            found.role = options.role
            if options.name:
                found.name = options.name
            found.save()
        audit.record(
            audit.Actor(None, "cli", trusted=True),
            action="update" if before else "create",
            entity="person",
            ref=email,
            before=before,
            after=audit.snapshot(found),
        )
    print(f"{'Updated' if before else 'Created'} {email} ({found.role}).")
    return 0
