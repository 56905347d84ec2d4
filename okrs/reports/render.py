"""One entry point for the three formats, shared by the command line and the web page."""

from __future__ import annotations

import json
from typing import Final

from okrs.goals.models import Cycle
from okrs.goals.present import as_json
from okrs.org.models import Team
from okrs.reports.build import build_report
from okrs.reports.html import render_html
from okrs.reports.markdown import render_markdown
from okrs.reports.review import BusinessReview

FORMATS: Final = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}


def render_json(report: BusinessReview) -> str:
    # Keys keep the order of the review's fields (stable across runs), not sorted, so the
    # document reads top-down like the other formats.
    return json.dumps(as_json(report), indent=2, ensure_ascii=False) + "\n"


def render(*, cycle: Cycle, team: Team | None, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    report = build_report(cycle=cycle, team=team)
    if fmt == "json":
        return render_json(report)
    if fmt == "html":
        return render_html(report)
    return render_markdown(report)
