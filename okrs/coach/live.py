"""The coach for one objective or key result being edited: the fields as typed, plus the few
facts only the database knows (key results already under the objective, key results the owner
already holds in the cycle).

Nothing is validated here: the editor's own submit does that with `okrs apply`'s rules.
Numbers that do not parse yet count as not given, since the person may be half way through
typing them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from okrs.ascode.parse import KeyResultSpec, ObjectiveSpec
from okrs.coach import selectors
from okrs.coach.rules import Finding, check_key_result, check_objective, owner_load_finding
from okrs.goals.models import Kind, Level
from okrs.org.models import Team


@dataclass(frozen=True)
class LiveFindings:
    findings: list[Finding] = field(default_factory=list)
    # Shown instead of findings while there is nothing to judge yet.
    waiting: str = ""


def _text(values: Mapping[str, object], name: str, limit: int = 500) -> str:
    value = values.get(name)
    return "" if value is None else str(value)[:limit].strip()


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def key_result_findings(
    values: Mapping[str, object], *, objective_key: str, editing: str = ""
) -> LiveFindings:
    """Findings for a key result's fields as typed; `editing` is its key when it exists."""
    title = _text(values, "title")
    if not title:
        return LiveFindings(
            waiting="Type the key result\u2019s title to get the coach\u2019s view."
        )
    kr_key = editing or _text(values, "key", 100)
    kind = _text(values, "kind", 20)
    owner = _text(values, "owner", 254).lower()
    spec = KeyResultSpec(
        line=0,
        key=kr_key,
        title=title,
        owner=owner or None,
        kind=kind if kind in Kind.values else None,
        baseline=_number(_text(values, "baseline", 40)),
        target=_number(_text(values, "target", 40)),
        unit=_text(values, "unit", 32),
    )
    ref = f"{objective_key}/{kr_key}" if objective_key and kr_key else None
    team_keys = list(Team.objects.values_list("key", flat=True))
    findings = check_key_result(spec, ref=ref, team_keys=team_keys, located=False)
    cycle = selectors.objective_cycle(objective_key) if objective_key else None
    if owner and cycle is not None:
        others = selectors.key_results_owned(
            owner_email=owner,
            cycle=cycle,
            excluding=f"{objective_key}/{editing}" if editing else None,
        )
        load = owner_load_finding(
            owner=owner, cycle=cycle.label, count=others + 1, ref=ref, line=None
        )
        if load is not None:
            findings.append(load)
    return LiveFindings(findings)


def objective_findings(values: Mapping[str, object], *, editing: str = "") -> LiveFindings:
    """Findings for an objective's fields as typed; `editing` is its key when it exists."""
    title = _text(values, "title")
    if not title:
        return LiveFindings(waiting="Type the objective\u2019s title to get the coach\u2019s view.")
    level = _text(values, "level", 20)
    spec = ObjectiveSpec(
        line=0,
        key=editing or _text(values, "key", 100),
        title=title,
        level=level if level in Level.values else "team",
        aligns_to=_text(values, "aligns_to", 201) or None,
    )
    facts = selectors.objective_facts(editing) if editing else None
    findings = check_objective(
        spec,
        key_result_count=facts.key_result_count if facts else 0,
        aligned_children=facts.aligned_children if facts else 0,
        located=False,
    )
    if facts is None:
        # A new objective cannot have key results yet: saying so would be noise, not advice.
        findings = [finding for finding in findings if finding.rule != "OKR001"]
    return LiveFindings(findings)
