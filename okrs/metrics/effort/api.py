"""GET /api/v1/effort: effort per company goal, objective, key result and initiative.

Any signed-in person may read it, as they may read every key result. Figures are per goal and
team only: `authors` is a count, and no answer names or ranks a person (docs/effort.md).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import BaseModel, Field

from okrs.goals.evaluation import current_cycle
from okrs.goals.models import Cycle
from okrs.metrics.effort.selectors import as_json, effort_report
from okrs.org.models import Organisation, Team
from okrs.web.api import answers

router = Router(tags=["effort"])


class EffortQuery(Schema):
    cycle: str | None = Field(None, description="cycle key (default: the current cycle)")
    team: str | None = Field(
        None,
        description="team key: its (and its sub-teams') objectives, and the unlinked work of "
        "its services",
    )


class EffortFigures(BaseModel):
    person_weeks: float = Field(description="person-weeks of effort (docs/effort.md)")
    share: float = Field(description="share of all the person-weeks of this answer, 0 to 1")
    work_items: int = Field(description="merged pull requests, merge requests and changes")
    authors: int = Field(description="how many people authored them (a count, never names)")


class EffortGoal(EffortFigures):
    ref: str | None = Field(description="the company objective's key; null: not aligned to one")
    title: str


class EffortObjective(EffortFigures):
    ref: str
    title: str
    goal: str | None
    team: str | None


class EffortKeyResult(EffortFigures):
    ref: str
    title: str
    objective: str
    score_from: float | None = Field(description="the score at the start of the window")
    score_to: float | None = Field(description="the score at its end")
    score_change: float | None


class EffortInitiative(EffortFigures):
    ref: str
    title: str
    parent: str = Field(description="its key result (OBJECTIVE_KEY/KR_KEY), else its objective")
    links: dict[str, int] = Field(
        description="work items per linking method: line, label, branch, issue"
    )


class EffortOut(BaseModel):
    cycle: str
    team: str | None
    from_: str = Field(alias="from", description="the window's start (the cycle's)")
    to: str = Field(description="the window's end: the cycle's, or now while it runs")
    weeks: int
    person_weeks: float
    work_items: int
    authors: int
    goals: list[EffortGoal]
    objectives: list[EffortObjective]
    key_results: list[EffortKeyResult]
    initiatives: list[EffortInitiative]
    unlinked: EffortFigures


class Error(BaseModel):
    detail: str


@router.get(
    "",
    response={200: EffortOut, 404: Error},
    openapi_extra=answers({404: "No cycle or no team with that key (or no cycles at all)"}),
    by_alias=True,
    summary="Engineering effort per company goal, objective, key result and initiative",
)
def effort(request: HttpRequest, filters: Query[EffortQuery]) -> Any:
    org = Organisation.current()
    now = timezone.now()
    if filters.cycle:
        cycle = Cycle.objects.filter(key=filters.cycle).first()
        if cycle is None:
            raise HttpError(404, f"no cycle {filters.cycle!r}")
    else:
        cycle = current_cycle(now, org)
        if cycle is None:
            raise HttpError(404, "there are no cycles yet: create one with `okrs apply`")
    team = None
    if filters.team:
        team = Team.objects.filter(key=filters.team).first()
        if team is None:
            raise HttpError(404, f"no team {filters.team!r}")
    return as_json(effort_report(cycle, as_of=now, team=team, organisation=org))
