"""Linting a plan document: every check of `okrs apply`, then the coach over what was read.

The errors are apply's own (okrs/ascode/validate.py, references resolved against the database
as apply would), each a finding of severity `error` under the id of its check, so that a file
that lints clean applies. The coach's rules then add their advice. Where a coach rule and an
apply check say the same thing about the same line (an owner that is no person, a missing
target, a target equal to its baseline), only apply's error is kept: one fault, one finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from okrs.ascode.parse import load_plan
from okrs.ascode.problems import (
    CHECKS,
    MISSING_TARGET,
    PLAN_SHAPE,
    TARGET_EQUALS_BASELINE,
    TEAM_AS_PERSON,
    UNKNOWN_PERSON,
    PlanInvalid,
    Problem,
)
from okrs.ascode.validate import DatabaseState, validate_plan
from okrs.coach.rules import ERROR, Finding, lint_plan

# Larger than any real plan (the demo's is about 30 kB): a bound on the work one request does.
MAX_DOCUMENT_BYTES = 1024 * 1024

# Coach rule -> the apply checks that already report its fault at the same line.
_SAID_BY_APPLY = {
    "OKR004": {UNKNOWN_PERSON.id, TEAM_AS_PERSON.id},
    "OKR005": {MISSING_TARGET.id},
    "OKR006": {TARGET_EQUALS_BASELINE.id},
}


@dataclass(frozen=True)
class LintResult:
    findings: list[Finding]
    # The document could not be read as a plan at all (not YAML, or values no plan can hold):
    # the findings are the reasons, and no other check ran.
    unreadable: bool = False
    # `okrs apply` would refuse the document: `problems` are its reasons, each also a finding.
    problems: tuple[Problem, ...] = ()

    @property
    def applies(self) -> bool:
        return not self.problems


def lint_text(
    text: str,
    *,
    filename: str = "<plan>",
    prune: bool = False,
    database: DatabaseState | None = None,
) -> LintResult:
    """Lint `text` as `okrs apply [--prune]` would read it; `database`: what references
    resolve against (by default the database's contents now)."""
    try:
        plan = load_plan(text, filename=filename)
    except PlanInvalid as exc:
        return LintResult(
            _error_findings(exc.problems), unreadable=True, problems=tuple(exc.problems)
        )
    problems = validate_plan(plan, prune=prune, database=database)
    errors = _error_findings(problems)
    said = {(finding.line, finding.rule) for finding in errors}
    advice = [
        finding
        for finding in lint_plan(plan)
        if not any((finding.line, rule) in said for rule in _SAID_BY_APPLY.get(finding.rule, ()))
    ]
    findings = sorted([*errors, *advice], key=lambda finding: finding.line or 0)
    return LintResult(findings, problems=tuple(problems))


def _error_findings(problems: Iterable[Problem]) -> list[Finding]:
    return [
        Finding(
            problem.rule,
            ERROR,
            None,
            problem.line,
            problem.message,
            CHECKS.get(problem.rule, PLAN_SHAPE).fix,
        )
        for problem in problems
    ]
