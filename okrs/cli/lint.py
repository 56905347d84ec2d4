"""okrs lint FILE [--prune] [--format json]: every check of `okrs apply`, then the coach.

Exit 1 when any finding is an error (a plan that `okrs apply` refuses, or that cannot be scored
sensibly), else 0, so a plan repository's CI can block a merge on errors and show the warnings.
References are checked against the database as apply would; where there is none (CI without
okrs installed), against the file alone, which is stricter.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from okrs.ascode.parse import read_plan_text
from okrs.ascode.problems import PlanInvalid
from okrs.ascode.validate import DatabaseState
from okrs.cli import CommandError
from okrs.coach.lint import lint_text
from okrs.coach.rules import Finding, has_errors


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint", help="run apply's checks and the OKR coach over a plan file; exit 1 on an error"
    )
    parser.add_argument("file", metavar="FILE", help="the plan; - reads standard input")
    parser.add_argument("--prune", action="store_true", help="check as `okrs apply --prune` would")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=run)


def run(options: argparse.Namespace) -> int:
    filename = options.file
    try:
        text = read_plan_text(filename)
    except PlanInvalid as exc:
        raise CommandError(f"{filename}: the file is not UTF-8 text") from exc
    except OSError as exc:
        raise CommandError(f"{filename}: {exc.strerror}") from exc
    database = DatabaseState.load_if_present()
    if database is None:
        print(
            "okrs lint: no okrs database here; references are checked against the file alone",
            file=sys.stderr,
        )
        database = DatabaseState.empty()
    result = lint_text(text, filename=filename, prune=options.prune, database=database)
    findings = result.findings
    if options.format == "json":
        json.dump({"findings": [finding.as_json() for finding in findings]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for line in format_findings(findings, filename):
            print(line)
    return 1 if has_errors(findings) else 0


def format_findings(findings: list[Finding], filename: str) -> list[str]:
    """`FILE:LINE: OKR004 warning: message` and the suggestion indented beneath, then a count."""
    lines = []
    for finding in findings:
        where = f"{filename}:{finding.line}" if finding.line else filename
        ref = f"{finding.ref}: " if finding.ref else ""
        lines.append(f"{where}: {finding.rule} {finding.severity}: {ref}{finding.message}")
        if finding.suggestion:
            lines.append(f"  suggestion: {finding.suggestion}")
    counts = {severity: 0 for severity in ("error", "warning", "info")}
    for finding in findings:
        counts[finding.severity] += 1
    if findings:
        lines.append(
            f"{filename}: {counts['error']} error(s), {counts['warning']} warning(s), "
            f"{counts['info']} info"
        )
    else:
        lines.append(f"{filename}: no findings")
    return lines
