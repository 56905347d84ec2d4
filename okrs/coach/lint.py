"""Linting a plan document: parse it with the plan parser, then run the coach over it."""

from __future__ import annotations

from dataclasses import dataclass

from okrs.ascode.parse import load_plan
from okrs.ascode.problems import PlanInvalid
from okrs.coach.rules import ERROR, Finding, lint_plan

YAML_FIX = "Fix the YAML syntax at that line (JSON is YAML too)."

# Larger than any real plan (the demo's is about 30 kB): a bound on the work one request does.
MAX_DOCUMENT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LintResult:
    findings: list[Finding]
    # The document could not be read as a plan at all (not YAML, or not a mapping): the
    # findings are the reasons, and no coach rule ran.
    unreadable: bool = False
    # Some of the document's shape was wrong (OKR000 findings); the rules ran on the rest.
    invalid: bool = False


def lint_text(text: str, *, filename: str = "<plan>") -> LintResult:
    try:
        plan = load_plan(text, filename=filename)
    except PlanInvalid as exc:
        findings = [
            Finding("OKR000", ERROR, None, problem.line, problem.message, YAML_FIX)
            for problem in exc.problems
        ]
        return LintResult(findings, unreadable=True, invalid=True)
    return LintResult(lint_plan(plan), invalid=bool(plan.problems))
