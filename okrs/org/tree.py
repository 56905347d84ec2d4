"""The team tree: every walk over teams' parents and sub-teams goes through these two.

Teams form a forest by `parent`. `okrs apply` refuses a loop of parents, but one made outside
it (the admin, psql) must never make a walk loop forever: each team is visited once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from okrs.org.models import Team


def descendant_ids(
    roots: Iterable[int], parents: Mapping[int, int | None] | None = None
) -> set[int]:
    """The `roots` and every team below them, at any depth.

    `parents` maps each team id to its parent's id; read from the database (one query) unless
    the caller already holds it.
    """
    if parents is None:
        parents = dict(Team.objects.values_list("id", "parent_id"))
    children: dict[int | None, list[int]] = defaultdict(list)
    for team_id, parent_id in parents.items():
        children[parent_id].append(team_id)
    found = set(roots)
    todo = list(found)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def depth_first(
    teams: Sequence[Team], *, order: Callable[[Team], Any], root: Team | None = None
) -> list[tuple[Team, int]]:
    """The teams depth first, each parent before its sub-teams, with their depth.

    Siblings are sorted by `order`; a team whose parent is not among `teams` is a root. Given
    `root`, only its subtree (at depth 0).
    """
    known = {team.pk for team in teams}
    children: dict[int | None, list[Team]] = defaultdict(list)
    for team in teams:
        children[team.parent_id if team.parent_id in known else None].append(team)
    # An explicit stack, not a recursive inner function: such a function refers to itself, and
    # the reference cycle kept every node list alive until the garbage collector ran.
    walked: list[tuple[Team, int]] = []
    seen: set[int] = set()
    top = [root] if root else sorted(children.get(None, []), key=order)
    stack = [(team, 0) for team in reversed(top)]
    while stack:
        team, depth = stack.pop()
        if team.pk in seen:
            continue
        seen.add(team.pk)
        walked.append((team, depth))
        below = sorted(children.get(team.pk, []), key=order)
        stack.extend((child, depth + 1) for child in reversed(below))
    return walked
