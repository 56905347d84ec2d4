"""The business review's shape: frozen dataclasses, read alike by the JSON, Markdown and HTML.

`okrs.reports.build.build_report` fills one `BusinessReview`; the JSON format is
`okrs.goals.present.as_json` of it, its keys in the order the fields are declared here (a
field whose metadata names a "json" key is written under that key). Instants are ISO texts in
UTC ending in "Z", dates ISO dates, as in the JSON.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from okrs.insights.impact import Impact

# The DORA metrics of one window, as okrs.metrics.delivery.selectors.metrics_json writes them
# for the DORA API too: the report embeds that document unchanged.
DoraMetrics = dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class PersonRef:
    name: str
    email: str


@dataclasses.dataclass(frozen=True, slots=True)
class TeamRef:
    key: str
    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class CycleInfo:
    key: str
    name: str
    start: str
    end: str
    starts_at: str
    ends_at: str
    phase: str  # "upcoming", "running", "ended" or "frozen"
    frozen_at: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class Scope:
    kind: str  # "company" or "team"
    team: TeamRef | None
    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class Summary:
    objectives: int
    key_results: int
    mean_objective_score: float | None
    statuses: dict[str, int]  # key results by status
    achieved: int  # key results scoring 70% or more
    initiatives_delivered: int
    initiatives_moved_right_way: int
    initiative_verdicts: dict[str, int]  # delivered initiatives by impact verdict


@dataclasses.dataclass(frozen=True, slots=True)
class KeyResultLink:
    ref: str
    title: str


@dataclasses.dataclass(frozen=True, slots=True)
class ChainLink:
    """An objective that another serves; `via_key_result` when it serves one of its key results."""

    key: str
    title: str
    level: str
    via_key_result: KeyResultLink | None


@dataclasses.dataclass(frozen=True, slots=True)
class TrendPoint:
    at: str
    value: float


@dataclasses.dataclass(frozen=True, slots=True)
class Note:
    at: str
    author: str
    text: str


@dataclasses.dataclass(frozen=True, slots=True)
class Retrospective:
    text: str
    at: str | None
    by: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class KeyResultReview:
    ref: str
    key: str
    title: str
    owner: PersonRef
    kind: str
    unit: str
    baseline: float | None
    target: float | None
    final: float | None
    progress: float
    score: float
    achieved: bool
    status: str
    stale: bool
    drifting: bool
    forecast: float | None
    trend: list[TrendPoint]  # the cycle's check-ins, oldest first
    notes: list[Note]  # latest first, empty notes left out
    retrospective: Retrospective | None

    def trend_values(self) -> list[float]:
        return [point.value for point in self.trend]


@dataclasses.dataclass(frozen=True, slots=True)
class DeliveredInitiative:
    key: str
    title: str
    completed_on: str | None
    owner: PersonRef | None
    key_result: str | None  # the ref of the key result it was meant to move
    key_result_title: str | None
    impact: Impact | None  # written as Impact.as_json()


@dataclasses.dataclass(frozen=True, slots=True)
class ObjectiveReview:
    key: str
    title: str
    level: str
    team: TeamRef | None
    owner: PersonRef
    score: float | None
    status: str | None
    serves: list[ChainLink]  # nearest first
    business_goal: ChainLink | None  # the last of `serves`
    key_results: list[KeyResultReview]
    initiatives: list[DeliveredInitiative]

    @property
    def team_text(self) -> str:
        """The team's name, or the level of an objective that belongs to no team."""
        return self.team.name if self.team else self.level.title()


@dataclasses.dataclass(frozen=True, slots=True)
class DoraWindow:
    from_: str = dataclasses.field(metadata={"json": "from"})
    to: str


@dataclasses.dataclass(frozen=True, slots=True)
class DoraWindows:
    start: DoraWindow  # the days before the cycle began
    end: DoraWindow  # the days before the report's moment


@dataclasses.dataclass(frozen=True, slots=True)
class DoraComparison:
    start: DoraMetrics
    end: DoraMetrics


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceDora:
    key: str
    name: str
    team: str | None
    start: DoraMetrics
    end: DoraMetrics


@dataclasses.dataclass(frozen=True, slots=True)
class DoraReview:
    days: int
    windows: DoraWindows
    timezone: str
    total: DoraComparison | None  # None when there is nothing to measure yet
    services: list[ServiceDora]
    bands_source: str


@dataclasses.dataclass(frozen=True, slots=True)
class EffortFigure:
    """Effort on one goal, objective or key result, or on no initiative at all (docs/effort.md).
    `authors` is a count: the review never names or ranks whose effort it was."""

    kind: str  # goal | objective | key_result | unlinked
    ref: str | None
    title: str
    person_weeks: float
    share: float
    work_items: int
    authors: int
    # Key results: the score at the window's start and end, the same weeks as the effort.
    score_from: float | None = None
    score_to: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class EffortReview:
    weeks: int
    person_weeks: float
    work_items: int
    authors: int
    goals: list[EffortFigure]
    objectives: list[EffortFigure]
    key_results: list[EffortFigure]
    unlinked: EffortFigure
    # Which goal each objective serves and which objective holds each key result, for the
    # renderers' nesting: {objective ref: goal ref}, {key result ref: objective ref}.
    goal_of: dict[str, str | None]
    objective_of: dict[str, str]


@dataclasses.dataclass(frozen=True, slots=True)
class BusinessReview:
    report: str
    version: int
    organisation: str
    cycle: CycleInfo
    scope: Scope
    as_of: str
    generated_at: str
    summary: Summary
    objectives: list[ObjectiveReview]
    dora: DoraReview
    effort: EffortReview
