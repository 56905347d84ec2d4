"""The alignment map ("/alignment/"): goals -> team objectives -> key results -> initiatives.

The view renders only the page shell: the cycle picker, the choices of the filters and the list of
orphans. The map itself is drawn in the browser (static/web/alignment.js, cytoscape) from
`GET /api/v1/alignment`, so that the page and the API show the same tree. On a large
organisation the filters offer 500 teams and a thousand owners: their <option>s are built in
Python (okrs/web/markup.py), which costs a hundredth of a template loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from okrs.goals.models import KeyResult, Level, Objective
from okrs.goals.scope import page_scope
from okrs.org.models import Person, Team
from okrs.org.tree import depth_first

STATUS_CHOICES = (
    ("on_track", "On track"),
    ("at_risk", "At risk"),
    ("off_track", "Off track"),
    ("none", "No status"),
)


@dataclass(frozen=True)
class TeamChoice:
    key: str
    name: str
    parent: str | None
    depth: int

    @property
    def label(self) -> str:
        """The name indented by its depth: a <select> cannot nest lists."""
        return "\u2014 " * self.depth + self.name


def _team_choices(teams: list[Team]) -> list[TeamChoice]:
    """Teams depth first, each parent before its sub-teams."""
    by_id = {t.pk: t for t in teams}
    choices = []
    for team, depth in depth_first(teams, order=lambda team: team.name.lower()):
        above = by_id.get(team.parent_id) if team.parent_id else None
        choices.append(TeamChoice(team.key, team.name, above.key if above else None, depth))
    return choices


@login_required
def alignment(request: HttpRequest) -> HttpResponse:
    """The page around the map: what to pick and filter, and the objectives aligned to nothing."""
    scope = page_scope(request)
    cycle = scope.cycle
    teams = _team_choices(list(Team.objects.only("key", "name", "parent_id")))
    selected = {name: request.GET.get(name, "") for name in ("team", "status", "owner", "q")}
    context: dict[str, Any] = {
        "nav": "alignment",
        "scope": scope,
        "cycle": cycle,
        "team_choices": [(t.key, t.label) for t in teams],
        "statuses": STATUS_CHOICES,
        "selected": selected,
    }
    if cycle is not None:
        # Only people who own something in this cycle: thousands of others would bury them.
        # Two subqueries rather than a join of both: no row per key result to make DISTINCT.
        owners = (
            Person.objects.filter(
                Q(pk__in=Objective.objects.filter(cycle=cycle).values("owner_id"))
                | Q(pk__in=KeyResult.objects.filter(objective__cycle=cycle).values("owner_id"))
            )
            .order_by("name", "email")
            .values_list("email", "name")
        )
        # The same rule as the API's `orphans`: a team or individual objective aligned to nothing.
        orphans = (
            Objective.objects.filter(
                cycle=cycle, aligns_to_objective__isnull=True, aligns_to_key_result__isnull=True
            )
            .exclude(level=Level.COMPANY)
            .select_related("team", "owner")
            .order_by("team__name", "key")
        )
        context.update(
            owner_choices=[(email, name or email) for email, name in owners],
            orphans=list(orphans),
            map_config={
                "api": "/api/v1/alignment",
                "cycle": cycle.key,
                "teams": [{"key": t.key, "parent": t.parent} for t in teams],
            },
        )
    return render(request, "goals/alignment.html", context)


urlpatterns = [path("alignment/", alignment, name="alignment")]
