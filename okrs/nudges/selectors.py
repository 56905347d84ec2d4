"""Reads for nudges and chat channels: a person's key results as a nudge shows them.

`due_key_results` is what a nudge lists and what the email link and chat modals prefill;
`my_key_results` is everything a person owns in the running cycles (Slack's `/okr`, App Home).
`due_key_results_of` is `due_key_results` for a whole batch of people in a fixed number of
queries: the nudge sender builds every message of a batch from one reading.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Max

from okrs.channels.base import DueKeyResult
from okrs.goals import scoring
from okrs.goals.checkins.models import CheckIn, Source
from okrs.goals.evaluation import evaluate_key_result, said_by_a_person, thresholds
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
    return _owned_by([person.pk], active_cycles(now, org)).get(person.pk, [])


def _owned_by(person_ids: Iterable[int], cycles: list[Cycle]) -> dict[int, list[KeyResult]]:
    """The key results each person owns in `cycles` (running ones, shortest first), in one query."""
    if not cycles:
        return {}
    rank = {c.pk: i for i, c in enumerate(cycles)}
    key_results = (
        KeyResult.objects.filter(owner_id__in=list(person_ids), objective__cycle__in=cycles)
        .select_related("objective__cycle", "objective__team", "owner")
        .order_by("objective__position", "objective_id", "position", "id")
    )
    owned: dict[int, list[KeyResult]] = defaultdict(list)
    for kr in key_results:
        owned[kr.owner_id].append(kr)
    # The shortest cycle first (the quarter before the year), keeping the plan's order inside.
    return {
        owner: sorted(krs, key=lambda kr: rank[kr.objective.cycle_id])
        for owner, krs in owned.items()
    }


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
    return DueKeyResult.of(kr, state.result, said=state.said_by_a_person)


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


def due_key_results_of(
    *, person_ids: Iterable[int], now: dt.datetime, org: Organisation | None = None
) -> dict[int, list[DueKeyResult]]:
    """`due_key_results` of every person in `person_ids` (an empty list for those with none).

    The same key results, in the same order, with the same values and statuses, but read in a
    fixed number of queries whatever the number of people: the owned key results, their last
    human check-ins and the check-ins to score them with, one query each. Scoring is the pure
    core's (okrs.goals.scoring) over those rows, exactly as `evaluate_key_result` does for one.
    """
    org = org or Organisation.current()
    person_ids = list(person_ids)
    owned = _owned_by(person_ids, active_cycles(now, org))
    all_owned = [kr for krs in owned.values() for kr in krs]
    last = last_human_checkins([kr.pk for kr in all_owned], now)
    due = {kr.pk for kr in all_owned if schedule.is_due(last.get(kr.pk), now)}
    readings = _readings(sorted(due), now)
    limits = thresholds(org)
    bounds = {
        kr.objective.cycle_id: kr.objective.cycle.bounds(org.timezone)
        for kr in all_owned
        if kr.pk in due
    }
    found: dict[int, list[DueKeyResult]] = {pid: [] for pid in person_ids}
    for owner, krs in owned.items():
        for kr in krs:
            if kr.pk not in due:
                continue
            start, end = bounds[kr.objective.cycle_id]
            read = readings.get(kr.pk, [])
            # Running cycles are never frozen, so the moment is `now` itself.
            result = scoring.evaluate_key_result(
                kind=kr.kind, baseline=kr.baseline, target=kr.target,
                readings=read, cycle_start=start, cycle_end=end, as_of=now,
                thresholds=limits, automatic=bool(kr.source),
            )  # fmt: skip
            found[owner].append(DueKeyResult.of(kr, result, said=_said(read)))
    return found


def _said(readings: list[scoring.Reading]) -> bool:
    """Whether the latest of these readings (oldest first) is a person's, as the evaluation's
    `said_by_a_person` decides it for one key result."""
    last_human = next((r.at for r in reversed(readings) if r.human), None)
    return said_by_a_person(readings[-1].at if readings else None, last_human)


def _readings(key_result_ids: list[int], now: dt.datetime) -> dict[int, list[scoring.Reading]]:
    """The check-ins not after `now` of these key results, oldest first, as scoring reads them."""
    rows = (
        CheckIn.objects.filter(key_result_id__in=key_result_ids, at__lte=now)
        .order_by("key_result_id", "at", "id")
        .values_list("key_result_id", "at", "value", "confidence", "source")
    )
    readings: dict[int, list[scoring.Reading]] = defaultdict(list)
    for kr_id, at, value, confidence, source in rows:
        human = source != Source.SYNC
        readings[kr_id].append(scoring.Reading(at, value, confidence or None, human))
    return readings


def due_key_result_models(*, person: Person, now: dt.datetime) -> list[KeyResult]:
    """The same key results as `due_key_results`, as model instances (for check-in forms)."""
    org = Organisation.current()
    owned = _owned_in_active_cycles(person, now, org)
    last = last_human_checkins([kr.pk for kr in owned], now)
    return [kr for kr in owned if schedule.is_due(last.get(kr.pk), now)]
