"""Recording check-ins: the one write path for every channel (web, chat, email, API, CLI, sync)."""

from __future__ import annotations

import datetime as dt
import math

from django.db import transaction
from django.utils import timezone

from okrs.checkins.models import CheckIn, Confidence, Source
from okrs.goals.models import KeyResult
from okrs.org import audit
from okrs.org.permissions import PermissionDenied, can_check_in


class CheckInInvalid(ValueError):
    """The check-in cannot be recorded as given; the message is meant for the person."""


# No key result measures anything larger; beyond it, the scoring arithmetic overflows.
LARGEST_VALUE = 1e15

# A clock that runs a little fast on the client must not make "now" look like the future.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


@transaction.atomic
def record_checkin(
    *,
    key_result: KeyResult,
    value: float | None,
    actor: audit.Actor,
    confidence: str | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> CheckIn:
    """Record one value of a key result, checked against the actor's role, and audit it.

    `value=None` means "no change": the current value is kept and the confidence confirmed.
    """
    person = actor.person
    if not actor.trusted and (person is None or not can_check_in(person, key_result)):
        who = f"{person.email} ({person.role})" if person else "an anonymous caller"
        raise PermissionDenied(f"{who} may not check in on {key_result.ref}")
    if confidence is not None and confidence not in Confidence.values:
        raise CheckInInvalid(
            f"confidence must be one of {', '.join(Confidence.values)}, not {confidence!r}"
        )
    now = timezone.now()
    when = at or now
    if timezone.is_naive(when):
        raise CheckInInvalid("the check-in time needs a timezone")
    if when > now + FUTURE_TOLERANCE:
        raise CheckInInvalid("a check-in cannot be in the future")
    if "\x00" in note:
        raise CheckInInvalid("the note contains a NUL character")
    cycle = key_result.objective.cycle
    if cycle.frozen_at is not None:
        raise CheckInInvalid(
            f"cycle {cycle.key} has ended and its final scores are frozen: "
            "check in on the key results of the current cycle"
        )
    if value is None:
        latest = key_result.checkins.filter(at__lte=when).order_by("-at", "-id").first()
        value = latest.value if latest else key_result.initial_value
        if value is None:
            raise CheckInInvalid(f"{key_result.ref} has no value yet: give one")
    if not math.isfinite(value) or abs(value) > LARGEST_VALUE:
        raise CheckInInvalid("the value must be a number between -10^15 and 10^15")
    if actor.channel not in Source.values:
        raise CheckInInvalid(f"unknown check-in source {actor.channel!r}")
    checkin = CheckIn.objects.create(
        key_result=key_result,
        value=value,
        confidence=confidence,
        note=note.strip(),
        author=person,
        source=actor.channel,
        at=when,
        created_at=now,
    )
    audit.record(
        actor,
        action="create",
        entity="checkin",
        ref=key_result.ref,
        after=audit.snapshot(checkin),
    )
    return checkin
