"""What the live coach needs from the database: the facts a single form does not hold."""

from __future__ import annotations

from dataclasses import dataclass

from okrs.goals.models import Cycle, KeyResult, Objective


@dataclass(frozen=True)
class ObjectiveFacts:
    key_result_count: int
    aligned_children: int  # objectives that roll up into this one (aligned to it directly)


def objective_facts(objective_key: str) -> ObjectiveFacts | None:
    objective = Objective.objects.filter(key=objective_key).first()
    if objective is None:
        return None
    return ObjectiveFacts(
        key_result_count=objective.key_results.count(),
        aligned_children=objective.aligned_children.count(),
    )


def objective_cycle(objective_key: str) -> Cycle | None:
    objective = Objective.objects.select_related("cycle").filter(key=objective_key).first()
    return objective.cycle if objective is not None else None


def key_results_owned(*, owner_email: str, cycle: Cycle, excluding: str | None = None) -> int:
    """Key results `owner_email` owns in `cycle`, not counting `excluding` (an OBJ/KR ref)."""
    rows = KeyResult.objects.filter(objective__cycle=cycle, owner__email__iexact=owner_email)
    if excluding:
        objective_key, _, kr_key = excluding.partition("/")
        rows = rows.exclude(objective__key=objective_key, key=kr_key)
    return rows.count()
