"""The JSON shapes of scores, shared by `okrs status --format json` and the API
(docs/evaluation.md, "The JSON").

Each shape is a frozen dataclass, defined once: the API declares these classes as its
response schemas (pydantic reads their fields for the OpenAPI document and serialises them
as they are), and the command line dumps the same objects with `as_json`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from okrs.goals.evaluation import CycleState, KeyResultState, ObjectiveState


@dataclasses.dataclass(frozen=True, slots=True)
class KeyResultScore:
    """A key result's score and status at one moment: the key-result JSON of the API."""

    ref: str
    key: str
    title: str
    owner: str
    kind: str
    unit: str
    baseline: float | None
    target: float | None
    current: float | None
    progress: float | None
    score: float
    expected: float
    pace: str
    confidence: str | None
    status: str
    stale: bool
    forecast: float | None
    forecast_score: float | None

    @classmethod
    def of(cls, state: KeyResultState) -> KeyResultScore:
        kr, r = state.key_result, state.result
        return cls(
            ref=kr.ref,
            key=kr.key,
            title=kr.title,
            owner=kr.owner.email,
            kind=kr.kind,
            unit=kr.unit,
            baseline=kr.baseline,
            target=kr.target,
            current=r.current,
            # A target a hair from the baseline can overflow the ratio; JSON has no Infinity.
            progress=r.progress if math.isfinite(r.progress) else None,
            score=r.score,
            expected=r.expected,
            pace=r.pace,
            confidence=r.confidence,
            status=r.status,
            stale=r.stale,
            forecast=r.forecast,
            forecast_score=r.forecast_score,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class ObjectiveScore:
    key: str
    title: str
    level: str
    team: str | None
    owner: str
    score: float | None
    status: str | None
    aligns_to: str | None
    key_results: list[KeyResultScore]

    @classmethod
    def of(cls, state: ObjectiveState) -> ObjectiveScore:
        o = state.objective
        return cls(
            key=o.key,
            title=o.title,
            level=o.level,
            team=o.team.key if o.team else None,
            owner=o.owner.email,
            score=state.score,
            status=state.status,
            aligns_to=o.aligns_to_ref,
            key_results=[KeyResultScore.of(k) for k in state.key_results],
        )


@dataclasses.dataclass(frozen=True, slots=True)
class CycleScores:
    """Every objective of a cycle (or a team's part of it) with its key results' scores."""

    cycle: str
    as_of: str
    objectives: list[ObjectiveScore]

    @classmethod
    def of(cls, state: CycleState) -> CycleScores:
        return cls(
            cycle=state.cycle.key,
            as_of=iso(state.as_of),
            objectives=[ObjectiveScore.of(o) for o in state.objectives],
        )


def fields_of(shape: Any) -> dict[str, Any]:
    """A dataclass's fields as keyword arguments, values as they are: to build a shape that
    extends it (the API's detail of a key result or an objective)."""
    return {field.name: getattr(shape, field.name) for field in dataclasses.fields(shape)}


def as_json(value: Any) -> Any:
    """Dataclasses as plain JSON values, their fields in declared order, recursively.

    A field whose metadata has a "json" name is written under that key (for keys that are
    Python keywords, like "from"); an object with an `as_json()` method writes itself.
    """
    if hasattr(value, "as_json"):
        return value.as_json()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.metadata.get("json", field.name): as_json(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    return value


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
