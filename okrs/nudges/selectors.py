"""Reads for nudges and chat channels: a person's key results as a nudge shows them.

`due_key_results` is what a nudge lists and what the email link and chat modals prefill;
`my_key_results` is everything a person owns in the running cycles (Slack's `/okr`, App Home).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max

from okrs.channels.base import DueKeyResult
from okrs.checkins.models import CheckIn, Source
from okrs.goals.evaluation import evaluate_key_result
from okrs.goals.models import Cycle, KeyResult
from okrs.nudges import schedule
from okrs.org.models import Organisation, Person


def active_cycles(now: dt.datetime, org: Organisation | None = None) -> list[Cycle]:
    """Cycles running at `now` whose final scores are not frozen, shortest first."""
    org = org or Organisation.current()
    running = []
    for cycle in Cycle.objects.filter(frozen_at__isnull=True):
        start, end = cycle.bounds(org.timezone)
        if start <= now < end:
            running.append(cycle)
    return sorted(running, key=lambda c: (c.end - c.start, c.start, c.pk))


def _owned_in_active_cycles(person: Person, now: dt.datetime, org: Organisation) -> list[KeyResult]:
    cycles = active_cycles(now, org)
    if not cycles:
        return []
    rank = {c.pk: i for i, c in enumerate(cycles)}
    key_results = list(
        KeyResult.objects.filter(owner=person, objective__cycle__in=cycles)
        .select_related("objective__cycle", "objective__team", "owner")
        .order_by("objective__position", "objective_id", "position", "id")
    )
    # The shortest cycle first (the quarter before the year), keeping the plan's order inside.
    return sorted(key_results, key=lambda kr: rank[kr.objective.cycle_id])


def last_human_checkins(key_result_ids: list[int], now: dt.datetime) -> dict[int, dt.datetime]:
    """The latest check-in not after `now` by a person (any source but sync), per key result."""
    rows = (
        CheckIn.objects.filter(key_result_id__in=key_result_ids, at__lte=now)
        .exclude(source=Source.SYNC)
        .values("key_result_id")
        .annotate(last=Max("at"))
    )
    return {row["key_result_id"]: row["last"] for row in rows}


def _as_due(kr: KeyResult, now: dt.datetime, org: Organisation) -> DueKeyResult:
    state = evaluate_key_result(kr, as_of=now, organisation=org)
    return DueKeyResult(
        id=kr.pk,
        ref=kr.ref,
        title=kr.title,
        unit=kr.unit,
        current=state.result.current,
        target=kr.target,
        status=state.result.status or "not_started",
        automatic=bool(kr.source),
        confidence=state.result.confidence,
    )


def my_key_results(*, person: Person, now: dt.datetime) -> list[DueKeyResult]:
    """Every key result the person owns in the cycles running at `now`, due or not."""
    org = Organisation.current()
    return [_as_due(kr, now, org) for kr in _owned_in_active_cycles(person, now, org)]


def due_key_results(*, person: Person, now: dt.datetime) -> list[DueKeyResult]:
    """The person's key results that a nudge asks about at `now`.

    Owned by them, in a cycle running at `now`, and not checked in on by a person during the
    last three days (a sync does not count: an automatic key result still needs a confidence).
    """
    org = Organisation.current()
    owned = _owned_in_active_cycles(person, now, org)
    last = last_human_checkins([kr.pk for kr in owned], now)
    return [_as_due(kr, now, org) for kr in owned if schedule.is_due(last.get(kr.pk), now)]


def due_key_result_models(*, person: Person, now: dt.datetime) -> list[KeyResult]:
    """The same key results as `due_key_results`, as model instances (for check-in forms)."""
    org = Organisation.current()
    owned = _owned_in_active_cycles(person, now, org)
    last = last_human_checkins([kr.pk for kr in owned], now)
    return [kr for kr in owned if schedule.is_due(last.get(kr.pk), now)]
