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
    create.add_argument(
        "--role",
        choices=[r.value for r in Role],
        help=f"a new person's role ({Role.MEMBER.value} unless given); an existing one's is kept",
    )
    create.add_argument(
        "--name",
        default="",
        help="the name people see (a new person's; an existing one's is kept unless given)",
    )
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
        if found is None:
            person = Person.objects.create_user(
                email, password, role=options.role or Role.MEMBER.value, name=options.name
            )
            _record(email, None, person)
            print(f"Created {email} ({person.role}).")
            return 0
        before = audit.snapshot(found)
        changes = _update(found, password=password, role=options.role, name=options.name)
        _record(email, before, found)
    print(f"Updated {email}: {', '.join(changes)}.")
    return 0


def _update(person: Person, *, password: str, role: str | None, name: str) -> list[str]:
    """An existing person (for example created by `okrs apply`) gets a new password, and a
    role or name only when one is given: re-running the command must not demote a lead."""
    changes = ["password set"]
    person.set_password(password)
    if role is None or role == person.role:
        changes.append(f"role kept ({person.role})")
    else:
        changes.append(f"role {person.role} -> {role}")
        person.role = role
    if name and name != person.name:
        changes.append(f"name {person.name or '(none)'} -> {name}")
        person.name = name
    person.save()
    return changes


def _record(email: str, before: dict[str, Any] | None, person: Person) -> None:
    audit.record(
        audit.Actor(None, "cli", trusted=True),
        action="update" if before else "create",
        entity="person",
        ref=email,
        before=before,
        after=audit.snapshot(person),
    )
