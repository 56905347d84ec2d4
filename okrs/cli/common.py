"""Helpers shared by the subcommands: time arguments, looking up people and key results."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from okrs import numbers
from okrs.cli import CommandError
from okrs.goals.models import KeyResult
from okrs.org.models import Organisation, Person
from okrs.timeutil import is_id, parse_instant


def instant(text: str | None, org: Organisation, *, option: str) -> dt.datetime:
    if not text:
        return timezone.now()
    try:
        return parse_instant(text, org.timezone)
    except ValueError as exc:
        raise CommandError(f"{option}: {exc}", status=2) from exc


def person(email: str) -> Person:
    found = Person.objects.filter(email=email.strip().lower()).first()
    if found is None:
        raise CommandError(f"no person with email {email!r}")
    return found


def key_result(ref: str) -> KeyResult:
    query = KeyResult.objects.select_related("objective__cycle", "objective__team", "owner")
    objective_key, _, kr_key = ref.partition("/")
    found = (
        query.filter(pk=int(ref)).first()
        if is_id(ref)
        else query.filter(objective__key=objective_key, key=kr_key).first()
    )
    if found is None:
        raise CommandError(f"no key result {ref!r} (use OBJECTIVE_KEY/KR_KEY)")
    return found


def number(value: float | None, unit: str = "") -> str:
    """A value with its unit for a terminal table: 1200 users, 4.5%, - for none."""
    return numbers.amount(value, unit, none="-", grouping=False)


def percent(value: float | None) -> str:
    """A score for a terminal table: 62%, - for none."""
    return numbers.percent(value, none="-")
