"""Effort per company goal, objective, key result and initiative for a cycle (docs/effort.md).

The window is the cycle, from the start of its first day to the end of its last day in the
organisation's timezone, cut at `as_of` while the cycle runs. Person-weeks are split over every
work item of the window (okrs.metrics.effort.arithmetic); a team's answer then keeps the parts
on its own initiatives and the unlinked work of its own services, so an author's week is never
counted twice, and the shares are of what the answer holds.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field, replace

from django.db.models import Q

from okrs.goals.alignment import Alignment
from okrs.goals.evaluation import evaluate_cycle_over, team_subtree
from okrs.goals.models import Cycle, Initiative, KeyResult, Level, Objective
from okrs.metrics.effort.arithmetic import (
    Tally,
    Unit,
    roll_up,
    share,
    tally_by_bucket,
    total,
    week_of,
)
from okrs.metrics.effort.models import WorkItem
from okrs.org.models import Organisation, Team

UNLINKED_TITLE = "Unlinked work"
NO_GOAL_TITLE = "Not aligned to a company goal"


@dataclass
class EffortLine:
    """One figure of the answer. `ref` is a goal's or objective's key, a key result's or an
    initiative's OBJECTIVE_KEY/KEY, None for unlinked work and for objectives under no goal."""

    kind: str  # goal | objective | key_result | initiative | unlinked
    ref: str | None
    title: str
    tally: Tally
    share: float = 0.0
    parent: str | None = None  # the goal, objective or key result it rolls up to
    team: str | None = None
    # Key results: the score at the window's start and end (null where it cannot be scored).
    score_from: float | None = None
    score_to: float | None = None
    # Initiatives: how many of their work items each linking method found.
    links: dict[str, int] = field(default_factory=dict)

    @property
    def score_change(self) -> float | None:
        if self.score_from is None or self.score_to is None:
            return None
        return self.score_to - self.score_from


@dataclass
class EffortReport:
    cycle: Cycle
    team: Team | None
    start: dt.datetime
    end: dt.datetime
    weeks: int
    total: Tally
    goals: list[EffortLine]
    objectives: list[EffortLine]
    key_results: list[EffortLine]
    initiatives: list[EffortLine]
    unlinked: EffortLine

    def for_objective(self, key: str) -> EffortLine | None:
        return next((line for line in self.objectives if line.ref == key), None)

    def for_key_result(self, ref: str) -> EffortLine | None:
        return next((line for line in self.key_results if line.ref == ref), None)

    def by_ref(self) -> dict[tuple[str, str | None], EffortLine]:
        lines = [*self.goals, *self.objectives, *self.key_results, *self.initiatives]
        return {(line.kind, line.ref): line for line in lines}


def _unlinked(team_id: int | None) -> Hashable:
    return ("unlinked", team_id)


def _goal_of(objective: Objective, objectives: dict[int, Objective]) -> Objective | None:
    """The company objective the objective rolls up to (itself for a company objective)."""
    seen: set[int] = set()
    current: Objective | None = objective
    while current is not None and current.pk not in seen:
        if current.level == Level.COMPANY:
            return current
        seen.add(current.pk)
        parent_id = current.aligns_to_objective_id
        if parent_id is None and current.aligns_to_key_result_id is not None:
            parent_id = current.aligns_to_key_result.objective_id  # type: ignore[union-attr]
        current = objectives.get(parent_id) if parent_id is not None else None
        if current is None and parent_id is not None:
            current = Objective.objects.select_related("aligns_to_key_result").get(pk=parent_id)
            objectives[parent_id] = current
    return None


def _pk(objective: Objective | None) -> int | None:
    return objective.pk if objective is not None else None


def _window_tallies(
    start: dt.datetime, end: dt.datetime, tz_name: str
) -> tuple[dict[Hashable, Tally], dict[int, Counter[str]]]:
    """Every work item merged in [start, end) tallied per initiative (its id) or per unlinked
    bucket (`_unlinked(team id)`), and per initiative the count of items of each linking method."""
    rows = WorkItem.objects.filter(merged_at__gte=start, merged_at__lt=end).values_list(
        "author", "merged_at", "initiative_id", "link_method", "raw_event__service__team_id"
    )
    units = []
    methods: dict[int, Counter[str]] = defaultdict(Counter)
    for author, merged_at, initiative_id, method, service_team in rows:
        bucket = initiative_id if initiative_id is not None else _unlinked(service_team)
        units.append(Unit(author, week_of(merged_at, tz_name), bucket))
        if initiative_id is not None:
            methods[initiative_id][method] += 1
    return tally_by_bucket(units), methods


def effort_report(
    cycle: Cycle,
    *,
    as_of: dt.datetime,
    team: Team | None = None,
    organisation: Organisation | None = None,
    with_scores: bool = True,
) -> EffortReport:
    org = organisation or Organisation.current()
    start, cycle_end = cycle.bounds(org.timezone)
    end = max(start, min(cycle_end, as_of))
    team_ids = team_subtree(team) if team is not None else None

    tallies, methods = _window_tallies(start, end, org.timezone)

    # The plan: the cycle's objectives, and any other objective whose initiative has work here.
    linked_ids = {b for b in tallies if isinstance(b, int)}
    initiatives = list(Initiative.objects.filter(Q(objective__cycle=cycle) | Q(pk__in=linked_ids)))
    objective_ids = {i.objective_id for i in initiatives}
    objectives = {
        o.pk: o
        for o in Objective.objects.filter(Q(cycle=cycle) | Q(pk__in=objective_ids))
        .select_related("team", "aligns_to_key_result")
        .order_by("position", "id")
    }
    # Goals are found through every objective of the cycle, a team's answer or not.
    all_objectives = dict(objectives)
    if team_ids is not None:
        objectives = {pk: o for pk, o in objectives.items() if o.team_id in team_ids}
    initiatives = [i for i in initiatives if i.objective_id in objectives]
    initiatives.sort(
        key=lambda i: (objectives[i.objective_id].position, i.objective_id, i.position, i.pk)
    )
    key_results = {
        kr.pk: kr
        for kr in KeyResult.objects.filter(objective_id__in=objectives).order_by(
            "objective__position", "objective_id", "position", "id"
        )
    }

    unlinked = total(
        tally
        for bucket, tally in tallies.items()
        if isinstance(bucket, tuple) and (team_ids is None or bucket[1] in team_ids)
    )
    by_initiative = {i.pk: tallies.get(i.pk, Tally()) for i in initiatives}
    whole = total(by_initiative.values()).person_weeks + unlinked.person_weeks

    def line(kind: str, ref: str | None, title: str, tally: Tally, **more: object) -> EffortLine:
        return EffortLine(kind, ref, title, tally, share(tally.person_weeks, whole), **more)  # type: ignore[arg-type]

    goal_of = {pk: _goal_of(o, all_objectives) for pk, o in objectives.items()}

    scores = _scores(cycle, start, end, team, org) if with_scores else {}
    objective_tallies = roll_up(by_initiative, {i.pk: i.objective_id for i in initiatives})
    kr_tallies = roll_up(
        {
            i.pk: t
            for i, t in zip(initiatives, by_initiative.values(), strict=True)
            if i.key_result_id
        },
        {i.pk: i.key_result_id for i in initiatives if i.key_result_id},
    )
    goal_tallies = roll_up(
        objective_tallies,
        {pk: _pk(goal_of[pk]) for pk in objective_tallies},
    )

    goals: list[EffortLine] = []
    goal_rows = {g.pk: g for g in goal_of.values() if g is not None}
    for row in sorted(goal_rows.values(), key=lambda g: (g.position, g.pk)):
        goals.append(line("goal", row.key, row.title, goal_tallies.get(row.pk, Tally())))
    if any(g is None for g in goal_of.values()):
        goals.append(line("goal", None, NO_GOAL_TITLE, goal_tallies.get(None, Tally())))

    objective_lines = []
    for objective in sorted(objectives.values(), key=lambda o: (o.position, o.pk)):
        goal = goal_of[objective.pk]
        objective_lines.append(
            line(
                "objective",
                objective.key,
                objective.title,
                objective_tallies.get(objective.pk, Tally()),
                parent=goal.key if goal else None,
                team=objective.team.key if objective.team else None,
            )
        )
    kr_lines = []
    for kr in key_results.values():
        objective = objectives[kr.objective_id]
        before, after = scores.get(kr.pk, (None, None))
        kr_lines.append(
            line(
                "key_result",
                f"{objective.key}/{kr.key}",
                kr.title,
                kr_tallies.get(kr.pk, Tally()),
                parent=objective.key,
                score_from=before,
                score_to=after,
            )
        )
    initiative_lines = []
    for initiative in initiatives:
        objective = objectives[initiative.objective_id]
        measured = key_results.get(initiative.key_result_id) if initiative.key_result_id else None
        initiative_lines.append(
            line(
                "initiative",
                f"{objective.key}/{initiative.key}",
                initiative.title,
                by_initiative[initiative.pk],
                parent=f"{objective.key}/{measured.key}" if measured else objective.key,
                links=dict(sorted(methods.get(initiative.pk, Counter()).items())),
            )
        )
    first_week = week_of(start, org.timezone)
    last_week = (
        week_of(end - dt.timedelta(microseconds=1), org.timezone) if end > start else first_week
    )
    return EffortReport(
        cycle=cycle,
        team=team,
        start=start,
        end=end,
        weeks=(last_week - first_week).days // 7 + 1 if end > start else 0,
        total=total([*by_initiative.values(), unlinked]),
        goals=goals,
        objectives=objective_lines,
        key_results=kr_lines,
        initiatives=initiative_lines,
        unlinked=line("unlinked", None, UNLINKED_TITLE, unlinked),
    )


def _scores(
    cycle: Cycle, start: dt.datetime, end: dt.datetime, team: Team | None, org: Organisation
) -> dict[int, tuple[float | None, float | None]]:
    """Each key result's score at the window's start and at its end."""
    if end <= start:
        return {}
    before, after = evaluate_cycle_over(
        cycle, [start, end - dt.timedelta(microseconds=1)], team=team, organisation=org
    )
    first = {kr.key_result.pk: kr.result.score for kr in before.key_results()}
    return {
        kr.key_result.pk: (first.get(kr.key_result.pk), kr.result.score)
        for kr in after.key_results()
    }


def as_json(report: EffortReport) -> dict[str, object]:
    """The answer of GET /api/v1/effort and `okrs effort --format json`."""

    def figures(line: EffortLine) -> dict[str, object]:
        return {
            "person_weeks": round(float(line.tally.person_weeks), 2),
            "share": round(line.share, 4),
            "work_items": line.tally.work_items,
            "authors": len(line.tally.authors),
        }

    def entry(line: EffortLine, parent_name: str | None) -> dict[str, object]:
        data: dict[str, object] = {"ref": line.ref, "title": line.title}
        if parent_name:
            data[parent_name] = line.parent
        if line.kind == "objective":
            data["team"] = line.team
        data.update(figures(line))
        if line.kind == "key_result":
            data["score_from"] = _rounded(line.score_from)
            data["score_to"] = _rounded(line.score_to)
            data["score_change"] = _rounded(line.score_change)
        if line.kind == "initiative":
            data["links"] = line.links
        return data

    return {
        "cycle": report.cycle.key,
        "team": report.team.key if report.team else None,
        "from": report.start.isoformat().replace("+00:00", "Z"),
        "to": report.end.isoformat().replace("+00:00", "Z"),
        "weeks": report.weeks,
        "person_weeks": round(float(report.total.person_weeks), 2),
        "work_items": report.total.work_items,
        "authors": len(report.total.authors),
        "goals": [entry(line, None) for line in report.goals],
        "objectives": [entry(line, "goal") for line in report.objectives],
        "key_results": [entry(line, "objective") for line in report.key_results],
        "initiatives": [entry(line, "parent") for line in report.initiatives],
        "unlinked": figures(report.unlinked),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def map_effort(cycle: Cycle, *, as_of: dt.datetime) -> dict[str, float]:
    """Person-weeks per alignment-map node id ("objective:KEY", "key_result:OBJ/KR",
    "initiative:OBJ/KEY"), as effort_report has them, for the nodes with any: read from the
    window's work items and the initiatives they link to only, since the map is read every
    few seconds and most of the plan has no work."""
    org = Organisation.current()
    start, cycle_end = cycle.bounds(org.timezone)
    end = max(start, min(cycle_end, as_of))
    tallies, _ = _window_tallies(start, end, org.timezone)
    linked = {bucket: tally for bucket, tally in tallies.items() if isinstance(bucket, int)}
    rows = Initiative.objects.filter(pk__in=linked).values_list(
        "pk", "key", "objective__key", "key_result__key"
    )
    by_node: dict[str, Tally] = defaultdict(Tally)
    for pk, key, objective_key, kr_key in rows:
        tally = linked[pk]
        by_node[f"initiative:{objective_key}/{key}"] += tally
        by_node[f"objective:{objective_key}"] += tally
        if kr_key:
            by_node[f"key_result:{objective_key}/{kr_key}"] += tally
    return {node: round(float(t.person_weeks), 2) for node, t in by_node.items()}


def with_effort(alignment: Alignment, cycle: Cycle, *, as_of: dt.datetime) -> Alignment:
    """The alignment map with each objective's, key result's and initiative's person-weeks."""
    figures = map_effort(cycle, as_of=as_of)
    nodes = [
        node if node.context else replace(node, effort_person_weeks=figures.get(node.id, 0.0))
        for node in alignment.nodes
    ]
    return replace(alignment, nodes=nodes)


@dataclass
class ObjectiveEffort:
    """What the objective page shows: the objective's effort, and per key result and initiative
    the person-weeks beside the key result's score over the same weeks."""

    objective: EffortLine
    key_results: list[EffortLine]
    initiatives: list[EffortLine]
    weeks: int

    @property
    def rows(self) -> list[EffortLine]:
        """The table's rows: each key result followed by the initiatives meant to move it, then
        the initiatives tied to no key result (their parent is the objective itself)."""
        under: dict[str | None, list[EffortLine]] = {}
        for initiative in self.initiatives:
            under.setdefault(initiative.parent, []).append(initiative)
        rows: list[EffortLine] = []
        for kr in self.key_results:
            rows += [kr, *under.pop(kr.ref, [])]
        for rest in under.values():
            rows += rest
        return rows


def objective_effort(objective: Objective, *, as_of: dt.datetime) -> ObjectiveEffort | None:
    report = effort_report(objective.cycle, as_of=as_of)
    line = report.for_objective(objective.key)
    if line is None:
        return None
    return ObjectiveEffort(
        objective=line,
        key_results=[kr for kr in report.key_results if kr.parent == objective.key],
        initiatives=[
            i for i in report.initiatives if (i.ref or "").startswith(f"{objective.key}/")
        ],
        weeks=report.weeks,
    )


@dataclass(frozen=True)
class LinkedWork:
    """One linked work item as the initiative page lists it: what, when, how it was linked;
    never who (docs/effort.md, privacy)."""

    title: str
    merged_at: dt.datetime
    method: str
    detail: str

    @property
    def how(self) -> str:
        """How it was linked, in words: "label canary", "PLAT-123 in the epic PLAT-12"."""
        if self.method == "line":
            return "an Initiative: line"
        if self.method in ("label", "branch"):
            return self.detail.replace(":", " ", 1)
        if self.method == "epic":
            issue, _, epic = self.detail.partition(" in ")
            return f"{issue} in the epic {epic}"
        return f"issue {self.detail}"


@dataclass
class InitiativeEffort:
    """What the initiative page shows: its effort over the cycle's weeks, beside its key
    result's score over the same weeks, and the work linked to it."""

    initiative: EffortLine
    key_result: EffortLine | None
    weeks: int
    recent: list[LinkedWork]


RECENT_WORK = 20


def initiative_effort(initiative: Initiative, *, as_of: dt.datetime) -> InitiativeEffort | None:
    report = effort_report(initiative.objective.cycle, as_of=as_of)
    ref = f"{initiative.objective.key}/{initiative.key}"
    line = next((i for i in report.initiatives if i.ref == ref), None)
    if line is None:
        return None
    items = WorkItem.objects.filter(
        initiative=initiative, merged_at__gte=report.start, merged_at__lt=report.end
    ).order_by("-merged_at", "-id")[:RECENT_WORK]
    return InitiativeEffort(
        initiative=line,
        key_result=report.for_key_result(line.parent or ""),
        weeks=report.weeks,
        recent=[
            LinkedWork(item.title, item.merged_at, item.link_method, item.link_detail)
            for item in items
        ],
    )
