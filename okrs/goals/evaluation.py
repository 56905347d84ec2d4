"""Scores and statuses of a whole cycle at an instant, read in a fixed number of queries.

Every read of scores (the command line, the API, the dashboard, the alignment map) goes through
`evaluate_cycle`, so they all agree. It loads the cycle's objectives, key results and check-ins
in one query each and hands plain values to the pure arithmetic in `scoring`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from okrs.checkins.models import CheckIn, Source
from okrs.goals import scoring
from okrs.goals.models import Cycle, KeyResult, Objective
from okrs.org.models import Organisation, Team


@dataclass
class KeyResultState:
    key_result: KeyResult
    result: scoring.KeyResultScore
    last_checkin_at: dt.datetime | None
    last_human_checkin_at: dt.datetime | None
    last_note: str
    score_week_ago: float
    # On track by status, but the trend ends the cycle below the on-track line.
    drifting: bool


@dataclass
class ObjectiveState:
    objective: Objective
    key_results: list[KeyResultState] = field(default_factory=list)
    score: float | None = None
    status: str | None = None


@dataclass
class CycleState:
    cycle: Cycle
    as_of: dt.datetime
    organisation: Organisation
    start: dt.datetime
    end: dt.datetime
    objectives: list[ObjectiveState]

    def key_results(self) -> list[KeyResultState]:
        return [kr for o in self.objectives for kr in o.key_results]

    def by_key(self) -> dict[str, ObjectiveState]:
        return {o.objective.key: o for o in self.objectives}


def thresholds(org: Organisation) -> scoring.Thresholds:
    return scoring.Thresholds(
        grace=org.grace,
        on_track=org.on_track_threshold,
        at_risk=org.at_risk_threshold,
        stale_after_days=org.stale_after_days,
    )


def current_cycle(as_of: dt.datetime, org: Organisation | None = None) -> Cycle | None:
    """The shortest cycle running at `as_of`; else the latest that ended; else the first."""
    org = org or Organisation.current()
    cycles = list(Cycle.objects.all())
    running = [c for c in cycles if c.bounds(org.timezone)[0] <= as_of < c.bounds(org.timezone)[1]]
    if running:
        return min(running, key=lambda c: (c.end - c.start, c.start))
    ended = [c for c in cycles if c.bounds(org.timezone)[1] <= as_of]
    if ended:
        return max(ended, key=lambda c: (c.end, -(c.end - c.start).days))
    return cycles[0] if cycles else None


def team_subtree(team: Team) -> set[int]:
    parents = dict(Team.objects.values_list("id", "parent_id"))
    ids = {team.pk}
    changed = True
    while changed:
        changed = False
        for team_id, parent_id in parents.items():
            if parent_id in ids and team_id not in ids:
                ids.add(team_id)
                changed = True
    return ids


def evaluate_cycle(
    cycle: Cycle,
    *,
    as_of: dt.datetime,
    team: Team | None = None,
    level: str | None = None,
    organisation: Organisation | None = None,
) -> CycleState:
    """Every objective of the cycle with its key results, scores and statuses at `as_of`.

    Roll-ups need every objective of the cycle, so the whole cycle is always evaluated and the
    team and level filters only choose what is returned.
    """
    org = organisation or Organisation.current()
    limits = thresholds(org)
    start, end = cycle.bounds(org.timezone)

    objectives = list(
        Objective.objects.filter(cycle=cycle)
        .select_related("team", "owner", "aligns_to_objective", "aligns_to_key_result__objective")
        .order_by("position", "id")
    )
    key_results = list(
        KeyResult.objects.filter(objective__cycle=cycle)
        .select_related("owner")
        .order_by("position", "id")
    )
    objectives_by_id = {o.pk: o for o in objectives}
    for kr in key_results:
        # Reuse the objective already loaded instead of one query per key result for `.ref`.
        kr.objective = objectives_by_id[kr.objective_id]

    readings: dict[int, list[scoring.Reading]] = defaultdict(list)
    notes: dict[int, str] = {}
    rows = (
        CheckIn.objects.filter(key_result__objective__cycle=cycle, at__lte=as_of)
        .order_by("key_result_id", "at", "id")
        .values_list("key_result_id", "at", "value", "confidence", "source", "note")
    )
    for kr_id, at, value, confidence, source, note in rows.iterator(chunk_size=5000):
        readings[kr_id].append(
            scoring.Reading(at, value, confidence or None, source != Source.SYNC)
        )
        notes[kr_id] = note

    week_ago = as_of - dt.timedelta(days=7)
    states: dict[int, ObjectiveState] = {o.pk: ObjectiveState(o) for o in objectives}
    for kr in key_results:
        kr_readings = readings.get(kr.pk, [])
        result = scoring.evaluate_key_result(
            kind=kr.kind,
            baseline=kr.baseline,
            target=kr.target,
            readings=kr_readings,
            cycle_start=start,
            cycle_end=end,
            as_of=as_of,
            thresholds=limits,
        )
        then = [r for r in kr_readings if r.at <= week_ago]
        value_then = then[-1].value if then else _default_current(kr)
        humans = [r for r in kr_readings if r.human]
        states[kr.objective_id].key_results.append(
            KeyResultState(
                key_result=kr,
                result=result,
                last_checkin_at=kr_readings[-1].at if kr_readings else None,
                last_human_checkin_at=humans[-1].at if humans else None,
                last_note=notes.get(kr.pk, ""),
                score_week_ago=scoring.clamp(
                    scoring.progress(kr.kind, kr.baseline, kr.target, value_then)
                ),
                drifting=result.status == "on_track"
                and result.forecast_score is not None
                and result.forecast_score < limits.on_track,
            )
        )

    children: dict[int, list[int]] = defaultdict(list)
    for o in objectives:
        if o.aligns_to_objective_id in states:
            children[o.aligns_to_objective_id].append(o.pk)
    _roll_up(states, children)

    selected = list(states.values())
    if team is not None:
        team_ids = team_subtree(team)
        selected = [s for s in selected if s.objective.team_id in team_ids]
    if level is not None:
        selected = [s for s in selected if s.objective.level == level]
    return CycleState(cycle, as_of, org, start, end, selected)


def _default_current(kr: KeyResult) -> float | None:
    if kr.baseline is not None:
        return kr.baseline
    return 0.0 if kr.kind == "milestone" else None


def _roll_up(states: dict[int, ObjectiveState], children: dict[int, list[int]]) -> None:
    """Objective score = weighted mean of own key results and of child objectives (weight 1)."""
    done: set[int] = set()

    def visit(objective_id: int, path: frozenset[int]) -> float | None:
        state = states[objective_id]
        if objective_id in done:
            return state.score
        child_scores = []
        for child_id in children.get(objective_id, []):
            if child_id in path:
                continue  # a loop cannot be saved through apply; never recurse forever on one
            child_score = visit(child_id, path | {child_id})
            if child_score is not None:
                child_scores.append(child_score)
        own = [(kr.result.score, kr.key_result.weight) for kr in state.key_results]
        state.score = scoring.objective_score(own, child_scores)
        state.status = scoring.worst_status(kr.result.status for kr in state.key_results)
        done.add(objective_id)
        return state.score

    for objective_id in states:
        visit(objective_id, frozenset({objective_id}))


def key_result_history(key_result: KeyResult, as_of: dt.datetime) -> list[CheckIn]:
    return list(
        key_result.checkins.filter(Q(at__lte=as_of)).select_related("author").order_by("at", "id")
    )
