"""The JSON shapes of scores, shared by `okrs status --format json` and the API
(docs/evaluation.md, "The JSON")."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from okrs.goals.evaluation import CycleState, KeyResultState, ObjectiveState


def key_result_json(state: KeyResultState) -> dict[str, Any]:
    kr, r = state.key_result, state.result
    return {
        "ref": kr.ref,
        "key": kr.key,
        "title": kr.title,
        "owner": kr.owner.email,
        "kind": kr.kind,
        "unit": kr.unit,
        "baseline": kr.baseline,
        "target": kr.target,
        "current": r.current,
        # A target a hair from the baseline can overflow the ratio; JSON has no Infinity.
        "progress": r.progress if math.isfinite(r.progress) else None,
        "score": r.score,
        "expected": r.expected,
        "pace": r.pace,
        "confidence": r.confidence,
        "status": r.status,
        "stale": r.stale,
        "forecast": r.forecast,
        "forecast_score": r.forecast_score,
    }


def objective_json(state: ObjectiveState) -> dict[str, Any]:
    o = state.objective
    return {
        "key": o.key,
        "title": o.title,
        "level": o.level,
        "team": o.team.key if o.team else None,
        "owner": o.owner.email,
        "score": state.score,
        "status": state.status,
        "aligns_to": o.aligns_to_ref,
        "key_results": [key_result_json(k) for k in state.key_results],
    }


def status_json(state: CycleState) -> dict[str, Any]:
    return {
        "cycle": state.cycle.key,
        "as_of": iso(state.as_of),
        "objectives": [objective_json(o) for o in state.objectives],
    }


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
