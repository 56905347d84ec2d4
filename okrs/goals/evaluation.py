"""Scores and statuses of a whole cycle at an instant, read in a fixed number of queries.

Every read of scores (the command line, the API, the dashboard, the alignment map) goes through
`evaluate_cycle`, so they all agree. It loads the cycle's objectives, key results and check-ins
in one query each and hands plain values to the pure arithmetic in `scoring`.

What it loads is kept between requests in `CACHE`, per database and cycle, until a write
replaces the generation tokens (okrs.goals.generation); each request then only scores every key
result's prepared history (okrs.goals.history) at its own instant. docs/evaluation.md tells the
whole story.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection, models
from django.db.models import BooleanField, ExpressionWrapper, Func, Q, QuerySet

from okrs.goals import generation, scoring
from okrs.goals.checkins.models import CheckIn, Source
from okrs.goals.history import KeyResultHistory
from okrs.goals.models import Cycle, KeyResult, Objective
from okrs.org.models import Organisation, Person, Team
from okrs.org.tree import descendant_ids


@dataclass
class KeyResultState:
    key_result: KeyResult
    result: scoring.KeyResultScore
    last_checkin_at: dt.datetime | None
    last_human_checkin_at: dt.datetime | None
    last_note: str
    # The id of the person who told the latest check-in; None for a sync (or a deleted author).
    last_author_id: int | None
    score_week_ago: float
    # On track by status, but the trend ends the cycle below the on-track line.
    drifting: bool
    # The instant it was evaluated at: the requested one, or the end of a frozen cycle.
    moment: dt.datetime

    @property
    def said_by_a_person(self) -> bool:
        """Whether the current value is what a person said: the latest check-in is theirs (not
        a sync, and not the value before any check-in)."""
        return said_by_a_person(self.last_checkin_at, self.last_human_checkin_at)


def said_by_a_person(
    last_checkin_at: dt.datetime | None, last_human_checkin_at: dt.datetime | None
) -> bool:
    """Whether the latest check-in (at `last_checkin_at`) is a person's one."""
    return last_checkin_at is not None and last_checkin_at == last_human_checkin_at


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
    # Every team, each with `.parent` set from this dict: for callers that list teams too.
    teams: dict[int, Team] = field(default_factory=dict)

    def key_results(self) -> list[KeyResultState]:
        return [kr for o in self.objectives for kr in o.key_results]

    def by_key(self) -> dict[str, ObjectiveState]:
        return {o.objective.key: o for o in self.objectives}


PERSON_FIELDS = ("email", "name", "role", "timezone", "channel", "is_active")
TEAM_FIELDS = ("key", "name", "parent_id", "timezone", "checkin_day", "lead_id")
OBJECTIVE_FIELDS = (
    "key", "cycle_id", "level", "team_id", "title", "owner_id", "position",
    "aligns_to_objective_id", "aligns_to_key_result_id",
)  # fmt: skip
KEY_RESULT_FIELDS = (
    "objective_id", "key", "title", "owner_id", "kind", "baseline", "target", "unit", "weight",
    "position", "final_score",
)  # fmt: skip


# Whether a key result has a metric source, read in the plan's query without loading the source
# itself (a JSON document per key result that no score needs). None is stored as SQL NULL;
# an empty document is no source either, as everywhere `bool(kr.source)` decides.
HAS_SOURCE = ExpressionWrapper(Q(source__isnull=False) & ~Q(source={}), output_field=BooleanField())


def is_automatic(kr: KeyResult) -> bool:
    """The key result has a metric source: its forecast is drawn through synced values only."""
    has_source = kr.__dict__.get("has_source")  # set by the plan's query (HAS_SOURCE)
    return bool(kr.source) if has_source is None else bool(has_source)


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
    """The team's id and those of every team below it."""
    return descendant_ids({team.pk})


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a cycle is evaluated.

    Evaluating a whole organisation makes tens of thousands of short-lived, acyclic objects,
    which set off full collections mid-request: a third of the time and most of the variance
    of the dashboard. Reference counting still frees them; the collector runs after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def evaluate_cycle(
    cycle: Cycle,
    *,
    as_of: dt.datetime,
    team: Team | None = None,
    level: str | None = None,
    organisation: Organisation | None = None,
    cached: bool = True,
) -> CycleState:
    """Every objective of the cycle with its key results, scores and statuses at `as_of`.

    Roll-ups need every objective of the cycle and of the cycles nested in it (a yearly goal
    rolls up its quarterly objectives), so all of those are evaluated, each against its own
    cycle's dates; the team and level filters only choose what is returned. A cycle whose final
    scores are frozen is evaluated at its end, so later check-ins never move its results.

    The objectives, key results, teams and people in the answer are shared with other requests
    and threads through the cache: read them, never change or save them. `cached=False`
    reads everything afresh and scores every check-in (the reference the cache is tested
    against); both give the same answer.
    """
    with collector_paused():
        return _evaluate_cycle(cycle, as_of, team, level, organisation, cached)


def _evaluate_cycle(
    cycle: Cycle,
    as_of: dt.datetime,
    team: Team | None,
    level: str | None,
    organisation: Organisation | None,
    cached: bool,
) -> CycleState:
    org = organisation or Organisation.current()
    limits = thresholds(org)
    family = cycle_family(cycle)
    bounds = {c.pk: c.bounds(org.timezone) for c in family}
    moments = {
        c.pk: min(as_of, bounds[c.pk][1] - dt.timedelta(microseconds=1)) if c.frozen_at else as_of
        for c in family
    }
    family_ids = list(bounds)

    loaded = CACHE.load(family_ids) if cached else None
    if loaded is not None:
        plan = loaded.plan
        states = _states_from_histories(plan, loaded.histories, bounds, moments, limits)
    else:
        plan = _load_plan(family_ids)
        states = _states_from_checkins(
            plan.objectives, plan.key_results, family_ids, bounds, moments, as_of, limits
        )
    team_ids = team_subtree(team) if team is not None else None
    return _select(cycle, states, plan, bounds, moments, org, team_ids, level)


def evaluate_cycle_over(
    cycle: Cycle,
    instants: list[dt.datetime],
    *,
    team: Team | None = None,
    organisation: Organisation | None = None,
) -> list[CycleState]:
    """`evaluate_cycle` at each of `instants`, from one read of the plan and the check-ins.

    For trends (the dashboard's weeks): every instant scores the same prepared histories by
    bisection, so the queries are those of one evaluation however many instants are asked.
    Without the cache (its triggers missing) the histories are read afresh, once.
    """
    with collector_paused():
        org = organisation or Organisation.current()
        limits = thresholds(org)
        family = cycle_family(cycle)
        bounds = {c.pk: c.bounds(org.timezone) for c in family}
        family_ids = list(bounds)
        loaded = CACHE.load(family_ids)
        if loaded is None:
            plan = _load_plan(family_ids)
            loaded = Loaded(plan, _read_histories(family_ids, plan.key_results))
        team_ids = team_subtree(team) if team is not None else None
        answers = []
        for instant in instants:
            moments = {
                c.pk: min(instant, bounds[c.pk][1] - dt.timedelta(microseconds=1))
                if c.frozen_at
                else instant
                for c in family
            }
            states = _states_from_histories(loaded.plan, loaded.histories, bounds, moments, limits)
            answers.append(_select(cycle, states, loaded.plan, bounds, moments, org, team_ids))
        return answers


def _select(
    cycle: Cycle,
    states: dict[int, ObjectiveState],
    plan: Plan,
    bounds: Bounds,
    moments: dict[int, dt.datetime],
    org: Organisation,
    team_ids: set[int] | None,
    level: str | None = None,
) -> CycleState:
    """Roll the scores up, then keep the cycle's objectives of the teams and level asked for."""
    objectives, _, teams = plan
    children: dict[int, list[int]] = defaultdict(list)
    for o in objectives:
        if o.aligns_to_objective_id in states:
            children[o.aligns_to_objective_id].append(o.pk)
    _roll_up(states, children)

    selected = [s for s in states.values() if s.objective.cycle_id == cycle.pk]
    if team_ids is not None:
        selected = [s for s in selected if s.objective.team_id in team_ids]
    if level is not None:
        selected = [s for s in selected if s.objective.level == level]
    start, end = bounds[cycle.pk]
    return CycleState(cycle, moments[cycle.pk], org, start, end, selected, teams)


Bounds = dict[int, tuple[dt.datetime, dt.datetime]]


def _states_from_histories(
    plan: Plan,
    histories: dict[int, KeyResultHistory],
    bounds: Bounds,
    moments: dict[int, dt.datetime],
    limits: scoring.Thresholds,
) -> dict[int, ObjectiveState]:
    """The cached path: each key result's prepared history scored at its cycle's instant."""
    objectives, key_results, _ = plan
    cycle_of = {o.pk: o.cycle_id for o in objectives}
    states: dict[int, ObjectiveState] = {o.pk: ObjectiveState(o) for o in objectives}
    for kr in key_results:
        cycle_id = cycle_of[kr.objective_id]
        moment = moments[cycle_id]
        start, end = bounds[cycle_id]
        at = histories[kr.pk].at(moment, cycle_start=start, cycle_end=end, thresholds=limits)
        state = KeyResultState(
            kr, at.result, at.last_checkin_at, at.last_human_checkin_at, at.last_note,
            at.last_author, at.score_week_ago, at.drifting, moment,
        )  # fmt: skip
        states[kr.objective_id].key_results.append(state)
    return states


def _states_from_checkins(
    objectives: list[Objective],
    key_results: list[KeyResult],
    family_ids: list[int],
    bounds: Bounds,
    moments: dict[int, dt.datetime],
    as_of: dt.datetime,
    limits: scoring.Thresholds,
) -> dict[int, ObjectiveState]:
    """The uncached path: every check-in not after `as_of` read and scored afresh."""
    objectives_by_id = {o.pk: o for o in objectives}

    readings: dict[int, list[scoring.Reading]] = defaultdict(list)
    notes: dict[int, list[str]] = defaultdict(list)
    authors: dict[int, list[int | None]] = defaultdict(list)
    rows = (
        CheckIn.objects.filter(key_result__objective__cycle_id__in=family_ids, at__lte=as_of)
        .annotate(at_raw=TimestampForPython("at"))
        .order_by("key_result_id", "at", "id")
    )
    for kr_id, at, value, confidence, source, note, author_id in _raw_rows(rows, *CHECKIN_COLUMNS):
        readings[kr_id].append(
            scoring.Reading(utc(at), value, confidence or None, source != Source.SYNC)
        )
        notes[kr_id].append(note)
        authors[kr_id].append(author_id)

    states: dict[int, ObjectiveState] = {o.pk: ObjectiveState(o) for o in objectives}
    for kr in key_results:
        cycle_id = objectives_by_id[kr.objective_id].cycle_id
        state = _key_result_state(
            kr, readings.get(kr.pk, []), notes.get(kr.pk, []), authors.get(kr.pk, []),
            bounds[cycle_id], moments[cycle_id], limits,
        )  # fmt: skip
        states[kr.objective_id].key_results.append(state)
    return states


def _load_plan(cycle_ids: list[int]) -> Plan:
    """The objectives and key results of the cycles, with owners, teams and alignment parents.

    Owners, teams and parents are loaded once each and shared between rows rather than joined
    into every row: on a whole organisation, building thousands of duplicate model instances
    was most of the time of the dashboard. `.only()` leaves out what no score needs.
    """
    in_cycles = Q(cycle_id__in=cycle_ids)
    objectives = list(
        Objective.objects.filter(in_cycles).only(*OBJECTIVE_FIELDS).order_by("position", "id")
    )
    key_results: list[KeyResult] = list(
        KeyResult.objects.filter(objective__cycle_id__in=cycle_ids)
        .only(*KEY_RESULT_FIELDS)
        .annotate(has_source=HAS_SOURCE)
        .order_by("position", "id")
    )
    owners = Person.objects.filter(
        Q(id__in=Objective.objects.filter(in_cycles).values("owner_id"))
        | Q(id__in=KeyResult.objects.filter(objective__cycle_id__in=cycle_ids).values("owner_id"))
    ).only(*PERSON_FIELDS)
    people = {p.pk: p for p in owners}
    teams = {t.pk: t for t in Team.objects.only(*TEAM_FIELDS)}
    objectives_by_id = {o.pk: o for o in objectives}
    key_results_by_id = {k.pk: k for k in key_results}

    for kr in key_results:
        kr.objective = objectives_by_id[kr.objective_id]
        kr.owner = people[kr.owner_id]
    # Parents in other cycles (a quarterly objective aligned to a yearly goal) are few: fetch
    # them in one query each instead of joining every row.
    outside_objectives = (
        {o.aligns_to_objective_id for o in objectives} - objectives_by_id.keys() - {None}
    )
    outside_key_results = (
        {o.aligns_to_key_result_id for o in objectives} - key_results_by_id.keys() - {None}
    )
    parents = {p.pk: p for p in Objective.objects.filter(id__in=outside_objectives).only("key")}
    parent_key_results = {
        k.pk: k
        for k in KeyResult.objects.filter(id__in=outside_key_results)
        .select_related("objective")
        .only("key", "objective__key")
    }
    for o in objectives:
        o.owner = people[o.owner_id]
        o.team = teams.get(o.team_id) if o.team_id else None
        if o.aligns_to_objective_id is not None:
            o.aligns_to_objective = (
                objectives_by_id.get(o.aligns_to_objective_id) or parents[o.aligns_to_objective_id]
            )
        if o.aligns_to_key_result_id is not None:
            o.aligns_to_key_result = (
                key_results_by_id.get(o.aligns_to_key_result_id)
                or parent_key_results[o.aligns_to_key_result_id]
            )
    for team in teams.values():
        team.parent = teams.get(team.parent_id) if team.parent_id else None
    return Plan(objectives, key_results, teams)


class Plan(NamedTuple):
    objectives: list[Objective]
    key_results: list[KeyResult]
    teams: dict[int, Team]


class Loaded(NamedTuple):
    """What the cache keeps of a family of cycles: its plan and each key result's history."""

    plan: Plan
    histories: dict[int, KeyResultHistory]


def _read_histories(
    family_ids: list[int],
    key_results: list[KeyResult],
    previous: dict[int, KeyResultHistory] | None = None,
) -> dict[int, KeyResultHistory]:
    """Every check-in of the cycles, at any time, as one history per key result.

    Unlike the uncached path this reads check-ins after any particular instant too: the
    history answers for every instant, and leaves the later ones out itself. A key result
    whose rows and plan values are those of its `previous` history keeps it, with the
    forecasts it remembers: after one check-in, one history is built, not thousands.
    """
    rows_by_key_result: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    rows = (
        CheckIn.objects.filter(key_result__objective__cycle_id__in=family_ids)
        .annotate(at_raw=TimestampForPython("at"))
        .order_by("key_result_id", "at", "id")
    )
    for row in _raw_rows(rows, *CHECKIN_COLUMNS):
        rows_by_key_result[row[0]].append(row)
    previous = previous or {}
    histories = {}
    for kr in key_results:
        kr_rows = rows_by_key_result.get(kr.pk, [])
        old = previous.get(kr.pk)
        if (
            old is not None
            and old.rows == kr_rows
            and (old.kind, old.baseline, old.target, old.initial_value, old.automatic)
            == (kr.kind, kr.baseline, kr.target, kr.initial_value, is_automatic(kr))
        ):
            histories[kr.pk] = old
            continue
        histories[kr.pk] = KeyResultHistory(
            kind=kr.kind,
            baseline=kr.baseline,
            target=kr.target,
            initial_value=kr.initial_value,
            readings=[
                scoring.Reading(utc(at), value, confidence or None, source != Source.SYNC)
                for _, at, value, confidence, source, _, _ in kr_rows
            ],
            notes=[row[5] for row in kr_rows],
            authors=[row[6] for row in kr_rows],
            rows=kr_rows,
            automatic=is_automatic(kr),
        )
    return histories


log = logging.getLogger(__name__)


class EvaluationCache:
    """Each family of cycles' plan and histories, per database, while its tokens stand.

    Process-local and shared by the threads of a process. A read costs one query (the
    tokens, `generation.tokens`); when the plan token moved the plan and the check-ins are
    read again, when only the check-ins token moved only the check-ins are. Entries are
    replaced whole, never changed, so a thread that is scoring an older entry while another
    replaces it finishes with a consistent, older answer. One thread per entry rebuilds it
    while the others wait for it, rather than eight threads reading the same rows at once.
    """

    # Families kept per database: the current quarter, its year, a few past quarters.
    MAX_ENTRIES = 8

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Any, ...], tuple[tuple[int, int], Loaded]] = {}
        self._builders: dict[tuple[Any, ...], threading.Lock] = {}
        self._verified: dict[tuple[str, str], bool] = {}

    def load(self, family_ids: list[int]) -> Loaded | None:
        """The plan and histories of the cycles, current as of now; None: read uncached."""
        database = (connection.alias, str(connection.settings_dict["NAME"]))
        if not self._triggers_installed(database):
            return None
        tokens = generation.tokens(connection)
        if tokens is None:
            return None  # no row of tokens (emptied by hand): nothing says when to forget
        key = (*database, *sorted(family_ids))
        entry = self._entries.get(key)
        if entry is not None and entry[0] == tokens:
            return entry[1]
        with self._lock:
            builder = self._builders.setdefault(key, threading.Lock())
        with builder:
            entry = self._entries.get(key)  # built by another thread while this one waited
            if entry is not None and entry[0] == tokens:
                return entry[1]
            if entry is not None and entry[0][0] == tokens[0]:
                plan = entry[1].plan  # only check-ins changed: keep the plan
            else:
                plan = _load_plan(family_ids)
            previous = entry[1].histories if entry is not None else None
            loaded = Loaded(plan, _read_histories(family_ids, plan.key_results, previous))
            with self._lock:
                self._entries.pop(key, None)
                self._entries[key] = (tokens, loaded)
                while len(self._entries) > self.MAX_ENTRIES:
                    oldest = next(iter(self._entries))
                    del self._entries[oldest]
                    self._builders.pop(oldest, None)
            return loaded

    def _triggers_installed(self, database: tuple[str, str]) -> bool:
        verified = self._verified.get(database)
        if verified is None:
            verified = generation.installed(connection)
            if not verified:
                log.warning(
                    "the evaluation cache is off on %s: its triggers are missing or older than "
                    "this code (run `okrs migrate`)",
                    database[1],
                )
            self._verified[database] = verified
        return verified

    def clear(self) -> None:
        """Forget everything (tests; a process never needs to: the tokens tell it)."""
        with self._lock:
            self._entries.clear()
            self._builders.clear()
            self._verified.clear()


CACHE = EvaluationCache()


# The columns of a check-in that an evaluation reads, in the order its rows hold them.
CHECKIN_COLUMNS = ("key_result_id", "at_raw", "value", "confidence", "source", "note", "author_id")


def _raw_rows(queryset: QuerySet[Any], *fields: str) -> list[tuple[Any, ...]]:
    """The rows of `queryset.values_list(*fields)` as the database driver returns them.

    Django converts every value of every row in Python (on SQLite, a regular expression per
    timestamp); for the tens of thousands of check-ins of a cycle that was the largest single
    cost of the dashboard. Callers convert the few columns that need it (see `utc`).
    """
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class TimestampForPython(Func):
    """A timestamp column in the form that is cheapest to turn into a Python datetime.

    On PostgreSQL that is whole microseconds since 1970: psycopg's parsing of `timestamptz`
    text took 60 ms for a cycle's 14,000 check-ins, the integers take 5. SQLite's driver hands
    over a naive UTC datetime already, so there the column is selected as it is.
    """

    template = "%(expressions)s"
    output_field = models.BigIntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint",
            **extra_context,
        )


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def utc(value: dt.datetime | str | int) -> dt.datetime:
    """A raw timestamp (see `TimestampForPython`) as an aware UTC datetime."""
    if isinstance(value, int):
        return EPOCH + dt.timedelta(microseconds=value)
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def evaluate_key_result(
    key_result: KeyResult, *, as_of: dt.datetime, organisation: Organisation | None = None
) -> KeyResultState:
    """One key result's state, reading only its own check-ins (for check-in responses).

    Gives the same result as its entry in `evaluate_cycle`, at a fraction of the cost.
    """
    org = organisation or Organisation.current()
    cycle = key_result.objective.cycle
    start, end = cycle.bounds(org.timezone)
    moment = min(as_of, end - dt.timedelta(microseconds=1)) if cycle.frozen_at else as_of
    rows = key_result.checkins.filter(at__lte=moment).order_by("at", "id")
    readings: list[scoring.Reading] = []
    notes: list[str] = []
    authors: list[int | None] = []
    for at, value, confidence, source, note, author_id in rows.values_list(
        "at", "value", "confidence", "source", "note", "author_id"
    ):
        readings.append(scoring.Reading(at, value, confidence or None, source != Source.SYNC))
        notes.append(note)
        authors.append(author_id)
    return _key_result_state(
        key_result, readings, notes, authors, (start, end), moment, thresholds(org)
    )


def _key_result_state(
    kr: KeyResult,
    readings: list[scoring.Reading],
    notes: list[str],
    authors: list[int | None],
    bounds: tuple[dt.datetime, dt.datetime],
    moment: dt.datetime,
    limits: scoring.Thresholds,
) -> KeyResultState:
    """Score one key result from its check-ins, sorted by time (later ones are ignored)."""
    if readings and readings[-1].at > moment:
        readings = [r for r in readings if r.at <= moment]
    result = scoring.evaluate_key_result(
        kind=kr.kind,
        baseline=kr.baseline,
        target=kr.target,
        readings=readings,
        cycle_start=bounds[0],
        cycle_end=bounds[1],
        as_of=moment,
        thresholds=limits,
        automatic=is_automatic(kr),
    )
    week_ago = moment - dt.timedelta(days=7)
    then = [r for r in readings if r.at <= week_ago]
    value_then = then[-1].value if then else kr.initial_value
    humans = [r for r in readings if r.human]
    return KeyResultState(
        key_result=kr,
        result=result,
        last_checkin_at=readings[-1].at if readings else None,
        last_human_checkin_at=humans[-1].at if humans else None,
        last_note=notes[len(readings) - 1] if readings else "",
        last_author_id=authors[len(readings) - 1] if readings else None,
        score_week_ago=scoring.clamp(scoring.progress(kr.kind, kr.baseline, kr.target, value_then)),
        drifting=result.status == "on_track"
        and result.forecast_score is not None
        and result.forecast_score < limits.on_track,
        moment=moment,
    )


def cycle_family(cycle: Cycle) -> list[Cycle]:
    """The cycle and every cycle nested in it, at any depth (the cycle itself first)."""
    by_parent: dict[int | None, list[Cycle]] = defaultdict(list)
    for other in Cycle.objects.all():
        by_parent[other.parent_id].append(other)
    family, queue, seen = [cycle], [cycle], {cycle.pk}
    while queue:
        for child in by_parent.get(queue.pop().pk, []):
            if child.pk not in seen:
                seen.add(child.pk)
                family.append(child)
                queue.append(child)
    return family


def _roll_up(states: dict[int, ObjectiveState], children: dict[int, list[int]]) -> None:
    """Objective score = weighted mean of own key results and of child objectives (weight 1)."""
    done: set[int] = set()
    for objective_id in states:
        _visit(objective_id, frozenset({objective_id}), states, children, done)


# A module function rather than a closure inside _roll_up: a recursive closure refers to
# itself, which keeps every evaluation it touched alive until the cyclic collector runs; on
# the large organisation that was a 60-140 ms collection every few dashboard reads.
def _visit(
    objective_id: int,
    path: frozenset[int],
    states: dict[int, ObjectiveState],
    children: dict[int, list[int]],
    done: set[int],
) -> float | None:
    state = states[objective_id]
    if objective_id in done:
        return state.score
    child_scores = []
    for child_id in children.get(objective_id, []):
        if child_id in path:
            continue  # a loop cannot be saved through apply; never recurse forever on one
        child_score = _visit(child_id, path | {child_id}, states, children, done)
        if child_score is not None:
            child_scores.append(child_score)
    own = [(kr.result.score, kr.key_result.weight) for kr in state.key_results]
    state.score = scoring.objective_score(own, child_scores)
    state.status = scoring.worst_status(kr.result.status for kr in state.key_results)
    done.add(objective_id)
    return state.score
