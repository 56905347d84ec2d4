"""Recording check-ins: the one write path for every channel (web, chat, email, API, CLI, sync)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Protocol

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


class SubmittedCheckIn(Protocol):
    """One key result's answer in a chat form (a Slack modal, a Teams card)."""

    @property
    def key_result_id(self) -> int: ...
    @property
    def value(self) -> float | None: ...  # None: keep the value (an automatic key result)
    @property
    def confidence(self) -> str: ...
    @property
    def note(self) -> str: ...


class CheckInsRefused(Exception):
    """Some check-ins of one submission were refused, so none was recorded.

    `errors` maps each refused key result's id to the reason, for the form to show beside it.
    """

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(", ".join(errors.values()))
        self.errors = errors


# Row ids are positive 64-bit integers. Ids from a chat form come from the client: one no row
# can have would overflow the database's integer (SQLite's OverflowError, PostgreSQL's
# DataError) instead of finding nothing.
LARGEST_ID = 2**63 - 1


def key_results_by_id(ids: Sequence[int]) -> dict[int, KeyResult]:
    ids = [kr_id for kr_id in ids if 0 < kr_id <= LARGEST_ID]
    rows = KeyResult.objects.filter(pk__in=ids).select_related("objective__cycle", "owner")
    return {kr.pk: kr for kr in rows}


@transaction.atomic
def record_checkins(
    *,
    actor: audit.Actor,
    entries: Sequence[SubmittedCheckIn],
    at: dt.datetime | None = None,
) -> list[CheckIn]:
    """Record every check-in of one submission, or none of them (CheckInsRefused).

    A person answering several key results in one form expects one outcome: a refused one
    (no permission, a bad value, a frozen cycle) must not leave the others half-saved.
    """
    key_results = key_results_by_id([entry.key_result_id for entry in entries])
    recorded: list[CheckIn] = []
    errors: dict[int, str] = {}
    for entry in entries:
        kr = key_results.get(entry.key_result_id)
        if kr is None:
            errors[entry.key_result_id] = "This key result no longer exists."
            continue
        try:
            recorded.append(
                record_checkin(
                    key_result=kr,
                    value=entry.value,
                    actor=actor,
                    confidence=entry.confidence,
                    note=entry.note,
                    at=at,
                )
            )
        except (CheckInInvalid, PermissionDenied) as exc:
            errors[entry.key_result_id] = str(exc)
    if errors:
        raise CheckInsRefused(errors)  # leaving the atomic block rolls the others back
    return recorded
