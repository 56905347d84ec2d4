"""Recording check-ins: the one write path for every channel (web, chat, email, API, CLI, sync)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from okrs.goals.checkins.models import CheckIn, Confidence, Source, source_choices
from okrs.goals.evaluation import KeyResultState, evaluate_key_result
from okrs.goals.models import KeyResult
from okrs.org import audit
from okrs.org.models import Organisation
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
            f"{cycle.label} has ended and its final scores are frozen: "
            "check in on the key results of the current cycle"
        )
    if value is None:
        latest = key_result.checkins.filter(at__lte=when).order_by("-at", "-id").first()
        value = latest.value if latest else key_result.initial_value
        if value is None:
            raise CheckInInvalid(f"{key_result.ref} has no value yet: give one")
    if not math.isfinite(value) or abs(value) > LARGEST_VALUE:
        raise CheckInInvalid("the value must be a number between -10^15 and 10^15")
    if actor.channel not in {name for name, _ in source_choices()}:
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
    """One key result's answer in a submission: a web form's row, a Slack modal, a Teams card."""

    @property
    def key_result_id(self) -> int: ...
    @property
    def value(self) -> float | None: ...  # None: keep the value ("No change", automatic)
    @property
    def confidence(self) -> str | None: ...
    @property
    def note(self) -> str: ...


@dataclass(frozen=True)
class Answer:
    """A `SubmittedCheckIn` read from a web form."""

    key_result_id: int
    value: float | None
    confidence: str | None
    note: str = ""


class CheckInsRefused(Exception):
    """Some check-ins of one submission were refused, so none was recorded.

    `refusals` maps each refused key result's id to why, in the order submitted; `errors` the
    same as sentences, for the form to show beside each.
    """

    def __init__(self, refusals: dict[int, CheckInInvalid | PermissionDenied]) -> None:
        self.refusals = refusals
        self.errors = {kr_id: str(reason) for kr_id, reason in refusals.items()}
        super().__init__(", ".join(self.errors.values()))

    @property
    def first(self) -> tuple[int, CheckInInvalid | PermissionDenied]:
        """The first refused key result and why: what a form that marks one row shows."""
        return next(iter(self.refusals.items()))

    def by_field(
        self,
        entries: Sequence[SubmittedCheckIn],
        *,
        value_field: Callable[[int], str],
        confidence_field: Callable[[int], str],
    ) -> dict[str, str]:
        """The errors keyed by the form's input they concern: beside the value, or beside the
        confidence for an entry without a value input (an automatic key result)."""
        automatic = {entry.key_result_id for entry in entries if entry.value is None}
        return {
            (confidence_field(kr_id) if kr_id in automatic else value_field(kr_id)): message
            for kr_id, message in self.errors.items()
        }


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
    key_results: Mapping[int, KeyResult] | None = None,
) -> list[CheckIn]:
    """Record every check-in of one submission, or none of them (CheckInsRefused).

    A person answering several key results in one form expects one outcome: a refused one
    (no permission, a bad value, a frozen cycle) must not leave the others half-saved.
    `key_results` are the entries' key results by id when the caller has read them already
    (the page that showed them); else they are read here.
    """
    if key_results is None:
        key_results = key_results_by_id([entry.key_result_id for entry in entries])
    recorded: list[CheckIn] = []
    refusals: dict[int, CheckInInvalid | PermissionDenied] = {}
    for entry in entries:
        kr = key_results.get(entry.key_result_id)
        if kr is None:
            refusals[entry.key_result_id] = CheckInInvalid("This key result no longer exists.")
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
            refusals[entry.key_result_id] = exc
    if refusals:
        raise CheckInsRefused(refusals)  # leaving the atomic block rolls the others back
    return recorded


def latest_confidence(kr: KeyResult) -> str | None:
    """The confidence of the latest check-in by a person: what "No change" confirms."""
    row = (
        CheckIn.objects.filter(key_result=kr)
        .exclude(source=Source.SYNC)
        .order_by("-at", "-id")
        .values_list("confidence", flat=True)
        .first()
    )
    return row or None


@dataclass(frozen=True)
class NoChangeResult:
    recorded: list[CheckIn]
    problems: list[str]  # one sentence per key result that could not be confirmed
    # Key results with no confidence from a person to confirm and none given with the answer:
    # nothing was recorded for them. The channel asks for a confidence in the same interaction.
    needs_confidence: list[KeyResult] = field(default_factory=list)
    # One of the key results the form asked a confidence for has none: nothing was recorded.
    refused: bool = False


def record_no_change(
    *,
    actor: audit.Actor,
    key_result_ids: Sequence[int],
    confidences: Mapping[int, str] | None = None,
    asked: Collection[int] = (),
    at: dt.datetime | None = None,
) -> NoChangeResult:
    """Keep each value and confirm its confidence (a "No change" answer).

    The confidence confirmed is the one given with the answer (`confidences`, by key result id)
    or else the latest one a person gave. A key result with neither is not checked in: a
    confidence nobody chose is never recorded, so it is returned in `needs_confidence` for the
    channel to ask. One refusal does not block the others: each key result is confirmed on its
    own, and a key result deleted since the message went out is skipped (nothing to confirm).

    `asked` are the key results whose confidence the form itself asked for (an input on the
    message or card): when one of them has none, nothing at all is recorded and they are
    returned in `needs_confidence`. The form is answered back with them marked, and pressing
    "No change" on it again must not confirm the others a second time.
    """
    given = confidences or {}
    key_results = key_results_by_id(key_result_ids)
    recorded: list[CheckIn] = []
    problems: list[str] = []
    needs_confidence: list[KeyResult] = []
    to_confirm: list[tuple[KeyResult, str]] = []
    for kr_id in key_result_ids:
        kr = key_results.get(kr_id)
        if kr is None:
            continue
        confidence = given.get(kr_id) or latest_confidence(kr)
        if confidence is None:
            needs_confidence.append(kr)
        else:
            to_confirm.append((kr, confidence))
    # One with no value yet cannot be kept however it is answered: it is a problem to report,
    # not a reason to refuse the others.
    asked_ids = set(asked)
    unanswered = [kr for kr in needs_confidence if kr.pk in asked_ids and _has_value(kr)]
    if unanswered:
        return NoChangeResult([], [], unanswered, refused=True)
    for kr, confidence in to_confirm:
        try:
            recorded.append(
                record_checkin(key_result=kr, value=None, actor=actor, confidence=confidence, at=at)
            )
        except (CheckInInvalid, PermissionDenied) as exc:
            problems.append(f"{kr.title}: {exc}")
    return NoChangeResult(recorded, problems, needs_confidence)


def _has_value(kr: KeyResult) -> bool:
    """Whether "no change" has a value to keep: a check-in, or the key result's initial one."""
    return kr.initial_value is not None or kr.checkins.exists()


def statuses(key_result_ids: Sequence[int], *, as_of: dt.datetime) -> list[KeyResultState]:
    """The key results that still exist, in the order given, each evaluated as of `as_of`:
    what a confirmation (or a form answered back) shows after saving."""
    org = Organisation.current()
    key_results = key_results_by_id(key_result_ids)
    return [
        evaluate_key_result(kr, as_of=as_of, organisation=org)
        for kr_id in key_result_ids
        if (kr := key_results.get(kr_id)) is not None
    ]
