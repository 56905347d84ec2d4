"""The team tree walks: sub-teams at any depth, parents before their sub-teams, no endless loop."""

from __future__ import annotations

from okrs.org.models import Team
from okrs.org.tree import depth_first, descendant_ids


def team(pk: int, name: str, parent: int | None = None) -> Team:
    return Team(pk=pk, key=name.lower(), name=name, parent_id=parent)


def test_descendants_reach_every_depth_and_stop_at_a_loop_of_parents() -> None:
    parents = {1: None, 2: 1, 3: 2, 4: None, 5: 6, 6: 5}
    assert descendant_ids({1}, parents) == {1, 2, 3}
    assert descendant_ids({2, 4}, parents) == {2, 3, 4}
    assert descendant_ids({5}, parents) == {5, 6}


def test_depth_first_puts_each_parent_before_its_sub_teams_siblings_in_order() -> None:
    teams = [team(1, "Sales"), team(2, "Product"), team(3, "Web", 2), team(4, "Apps", 2)]
    walked = [(t.name, depth) for t, depth in depth_first(teams, order=lambda t: t.name)]
    assert walked == [("Product", 0), ("Apps", 1), ("Web", 1), ("Sales", 0)]
    below = depth_first(teams, order=lambda t: t.name, root=teams[1])
    assert [(t.name, depth) for t, depth in below] == [("Product", 0), ("Apps", 1), ("Web", 1)]
