"""The alignment tree: company goals -> team objectives -> key results -> initiatives.

`build_alignment` returns one frozen `Alignment`, which the API declares as its response schema
(the field annotations carry what the OpenAPI document says beyond the types).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from django.db.models import Q
from pydantic import Field

from okrs.goals.evaluation import CycleState
from okrs.goals.models import ContributionLink, Initiative, KeyResult, Objective
from okrs.goals.present import iso


@dataclasses.dataclass(frozen=True, slots=True)
class AlignmentNode:
    id: str  # "<type>:<key>"
    type: str  # "objective", "key_result" or "initiative"
    level: str | None
    key: str
    title: str
    team: str | None
    owner: str | None
    score: float | None
    status: str | None
    context: Annotated[
        bool,
        Field(description="outside the selection (another team or cycle), shown for its edges"),
    ] = False
    cycle: str | None = None
    effort_person_weeks: Annotated[
        float | None,
        Field(
            description="person-weeks of engineering effort on it in the cycle (docs/effort.md); "
            "null for nodes outside the selection"
        ),
    ] = None


@dataclasses.dataclass(frozen=True, slots=True)
class AlignmentEdge:
    source: Annotated[str, Field(alias="from")]  # a node id
    to: str
    kind: str


@dataclasses.dataclass(frozen=True, slots=True)
class Alignment:
    cycle: str
    as_of: str
    nodes: list[AlignmentNode]
    edges: list[AlignmentEdge]
    orphans: list[str]


def build_alignment(state: CycleState) -> Alignment:
    """Nodes and edges of the cycle's plan with statuses, and the orphans.

    An orphan is a team or individual objective that aligns to nothing, so nobody can see which
    business goal it serves. Edge kinds: `key_result` (objective -> its key result), `aligns_to`
    (parent -> child objective, rolled up), `contributes_to` (not rolled up) and `initiative`
    (key result or objective -> initiative).
    """
    nodes: list[AlignmentNode] = []
    edges: list[AlignmentEdge] = []
    orphans: list[str] = []
    objective_ids = {o.objective.pk for o in state.objectives}

    for o in state.objectives:
        obj = o.objective
        node_id = f"objective:{obj.key}"
        nodes.append(
            AlignmentNode(
                id=node_id,
                type="objective",
                level=obj.level,
                key=obj.key,
                title=obj.title,
                team=obj.team.key if obj.team else None,
                owner=obj.owner.email,
                score=o.score,
                status=o.status,
            )
        )
        parent = obj.aligns_to_ref
        if parent is not None:
            kind = "key_result" if "/" in parent else "objective"
            edges.append(AlignmentEdge(f"{kind}:{parent}", node_id, "aligns_to"))
        elif obj.level != "company":
            orphans.append(obj.key)
        for kr in o.key_results:
            k = kr.key_result
            nodes.append(
                AlignmentNode(
                    id=f"key_result:{k.ref}",
                    type="key_result",
                    level=None,
                    key=k.ref,
                    title=k.title,
                    team=obj.team.key if obj.team else None,
                    owner=k.owner.email,
                    score=kr.result.score,
                    status=kr.result.status,
                )
            )
            edges.append(AlignmentEdge(node_id, f"key_result:{k.ref}", "key_result"))

    # Filter by cycle in SQL and by the selection here: an IN list of thousands of ids would
    # exceed SQLite's limit on query parameters.
    initiatives = Initiative.objects.filter(objective__cycle=state.cycle).select_related(
        "objective", "key_result", "owner"
    )
    for initiative in initiatives:
        if initiative.objective_id not in objective_ids:
            continue
        ref = f"{initiative.objective.key}/{initiative.key}"
        nodes.append(
            AlignmentNode(
                id=f"initiative:{ref}",
                type="initiative",
                level=None,
                key=ref,
                title=initiative.title,
                team=None,
                owner=initiative.owner.email if initiative.owner else None,
                score=None,
                status=initiative.status,
            )
        )
        if initiative.key_result is not None:
            parent_id = f"key_result:{initiative.objective.key}/{initiative.key_result.key}"
        else:
            parent_id = f"objective:{initiative.objective.key}"
        edges.append(AlignmentEdge(parent_id, f"initiative:{ref}", "initiative"))

    links = ContributionLink.objects.filter(objective__cycle=state.cycle).select_related(
        "objective", "to_objective", "to_key_result__objective"
    )
    for link in links:
        if link.objective_id not in objective_ids:
            continue
        target = link.target_ref
        kind = "key_result" if "/" in target else "objective"
        edges.append(
            AlignmentEdge(f"objective:{link.objective.key}", f"{kind}:{target}", "contributes_to")
        )

    nodes.extend(_context_nodes(state, nodes, edges))
    return Alignment(
        cycle=state.cycle.key, as_of=iso(state.as_of), nodes=nodes, edges=edges, orphans=orphans
    )


def _context_nodes(
    state: CycleState, nodes: list[AlignmentNode], edges: list[AlignmentEdge]
) -> list[AlignmentNode]:
    """Nodes for the far ends of edges that leave the selection.

    A team's map shows the company goal its objectives align to, and a quarter's map the
    yearly goal: such a parent is outside the team or the cycle, so it comes as a `context`
    node (no score of its own here) rather than as an edge to nowhere.
    """
    present = {node.id for node in nodes}
    missing = {end for edge in edges for end in (edge.source, edge.to)} - present
    objective_keys = {m.split(":", 1)[1] for m in missing if m.startswith("objective:")}
    kr_refs = {m.split(":", 1)[1] for m in missing if m.startswith("key_result:")}
    context = []
    for objective in Objective.objects.filter(key__in=objective_keys).select_related(
        "team", "owner", "cycle"
    ):
        context.append(_context_node("objective", objective.key, objective, objective.level))
    kr_query = Q(pk__in=[])
    for ref in kr_refs:
        objective_key, _, kr_key = ref.partition("/")
        kr_query |= Q(objective__key=objective_key, key=kr_key)
    if kr_refs:
        for kr in KeyResult.objects.filter(kr_query).select_related(
            "objective__team", "objective__cycle", "owner"
        ):
            context.append(_context_node("key_result", kr.ref, kr, None))
    return context


def _context_node(
    kind: str, key: str, row: Objective | KeyResult, level: str | None
) -> AlignmentNode:
    objective = row if isinstance(row, Objective) else row.objective
    return AlignmentNode(
        id=f"{kind}:{key}",
        type=kind,
        level=level,
        key=key,
        title=row.title,
        team=objective.team.key if objective.team else None,
        owner=row.owner.email,
        score=None,
        status=None,
        context=True,
        cycle=objective.cycle.key,
    )
