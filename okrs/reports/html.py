"""The report as HTML: a standalone, print-ready file, or the body of the web page.

Both use the same template (`reports/_body.html`) and the same inline SVG charts. The file
embeds the stylesheet in a <style> block so it opens anywhere without a network; the page links
the same stylesheet from /static/, as the Content-Security-Policy wants.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from okrs.reports import charts
from okrs.reports import present as p
from okrs.reports.build import NOTES_SHOWN
from okrs.reports.review import (
    BusinessReview,
    CycleInfo,
    DeliveredInitiative,
    KeyResultReview,
    Note,
    ObjectiveReview,
)

CSS_PATH = Path(__file__).with_name("static") / "reports" / "report.css"
# The per-service table's columns: the first four DORA rows, in fewer words.
SERVICE_COLUMNS = ("Deployments", "Lead time", "Change failure rate", "Recovery time")


@cache
def stylesheet() -> str:
    """The app's stylesheet (its stacked tables on a phone), then the report's own."""
    app = finders.find("web/okrs.css")
    assert isinstance(app, str), "okrs/web/static/web/okrs.css is missing"
    return Path(app).read_text(encoding="utf-8") + "\n" + CSS_PATH.read_text(encoding="utf-8")


def _svg(markup: str) -> SafeString:
    # Every text that goes into the charts is escaped by okrs.reports.charts.
    return mark_safe(markup)  # noqa: S308


@dataclasses.dataclass(frozen=True, slots=True)
class KeyResultView:
    data: KeyResultReview
    status: str
    score: str
    from_to: str
    notes: list[Note]  # the latest NOTES_SHOWN
    hidden_notes: int
    spark: SafeString
    chart: SafeString


@dataclasses.dataclass(frozen=True, slots=True)
class InitiativeView:
    data: DeliveredInitiative
    verdict: str


@dataclasses.dataclass(frozen=True, slots=True)
class ObjectiveView:
    data: ObjectiveReview
    serves: str
    status: str
    score: str
    bar: SafeString
    key_results: list[KeyResultView]
    initiatives: list[InitiativeView]


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceRow:
    name: str
    team: str | None
    cells: list[tuple[str, str, str]]  # (column, before, after) of the first four DORA rows


def _key_result_view(
    k: KeyResultReview, objective: ObjectiveReview, cycle: CycleInfo
) -> KeyResultView:
    completions = [
        i.impact.completed_at.isoformat()
        for i in objective.initiatives
        if i.impact and i.key_result == k.ref
    ]
    return KeyResultView(
        data=k,
        status=p.status_text(k.status),
        score=p.percent(k.score),
        from_to=p.from_to(k),
        notes=k.notes[:NOTES_SHOWN],
        hidden_notes=max(0, len(k.notes) - NOTES_SHOWN),
        spark=_svg(charts.sparkline(k.trend_values(), label=f"Trend of {k.title}")),
        chart=_svg(
            charts.trend_chart(
                values=[(t.at, t.value) for t in k.trend],
                start=cycle.starts_at,
                end=cycle.ends_at,
                start_label=cycle.start,
                end_label=cycle.end,
                baseline=k.baseline,
                target=k.target,
                kind=k.kind,
                unit=k.unit,
                title=k.title,
                completions=completions,
            )
        ),
    )


def html_context(report: BusinessReview) -> dict[str, Any]:
    """The report with what the template needs beside it: words, charts, DORA rows."""
    cycle = report.cycle
    objectives = [
        ObjectiveView(
            data=objective,
            serves=p.chain_text(objective),
            status=p.status_text(objective.status),
            score=p.percent(objective.score),
            bar=_svg(charts.score_bar(objective.score)),
            key_results=[_key_result_view(k, objective, cycle) for k in objective.key_results],
            initiatives=[
                InitiativeView(data=i, verdict=p.verdict_text(i.impact.verdict) if i.impact else "")
                for i in objective.initiatives
            ],
        )
        for objective in report.objectives
    ]
    dora = report.dora
    before, after = p.dora_window_labels(dora, cycle.phase)
    services = [
        ServiceRow(
            name=s.name,
            team=s.team,
            cells=[
                (
                    column,
                    p.dora_cell(s.start, metric, field, unit),
                    p.dora_cell(s.end, metric, field, unit),
                )
                for column, (_, metric, field, unit, _) in zip(
                    SERVICE_COLUMNS, p.DORA_ROWS[:4], strict=True
                )
            ],
        )
        for s in dora.services
    ]
    return {
        "report": report,
        "phase": p.PHASE_TEXT[cycle.phase],
        "as_of": p.when(report.as_of),
        "mean_score": p.percent(report.summary.mean_objective_score),
        "verdicts": p.verdict_counts(report.summary),
        "objectives": objectives,
        "dora_rows": p.dora_table(dora.total) if dora.total else [],
        "dora_before": before,
        "dora_after": after,
        "dora_services": services,
        "service_columns": SERVICE_COLUMNS,
        "dora_missing": p.dora_missing(report),
        "effort_summary": p.effort_summary(report.effort),
        "effort_rows": p.effort_rows(report.effort) if report.effort.work_items else [],
    }


def render_html(report: BusinessReview) -> str:
    """A self-contained HTML document: no script, no external file, prints one objective a page."""
    context = html_context(report)
    context["stylesheet"] = mark_safe(stylesheet())  # noqa: S308 - our own file
    return render_to_string("reports/standalone.html", context)
